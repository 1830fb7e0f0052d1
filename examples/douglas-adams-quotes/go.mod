module example.org/douglas-adams-quotes

go 1.22
