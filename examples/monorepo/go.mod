module example.org/monorepo

go 1.22
