// Go hello: the runtime starts, prints, reads args and env, exits.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Println("hello from go")
	fmt.Printf("goos=%s goarch=%s args=%d\n", runtime.GOOS, runtime.GOARCH, len(os.Args))
	fmt.Println("ok go_hello")
}
