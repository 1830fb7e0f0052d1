// greeter prints a greeting made by a dependency fetched through the module proxy.
package main

import (
	"fmt"

	"example.org/greet"
)

var version = "dev"

func main() { fmt.Println(greet.Hello("cairn"), version) }
