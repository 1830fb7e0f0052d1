module example.org/greeter

go 1.22

require example.org/greet v1.0.0
