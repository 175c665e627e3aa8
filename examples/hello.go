// Goroutines pass results over a channel; the output is sorted, so it is
// the same on every run.
package main

import (
	"fmt"
	"sort"
)

func main() {
	results := make(chan string)
	for i := 1; i <= 5; i++ {
		go func(n int) {
			results <- fmt.Sprintf("goroutine %d: %d squared is %d", n, n, n*n)
		}(i)
	}
	lines := make([]string, 0, 5)
	for i := 0; i < 5; i++ {
		lines = append(lines, <-results)
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	fmt.Println("Hello from Go on riscv64!")
}
