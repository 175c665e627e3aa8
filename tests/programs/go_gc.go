// The garbage collector under load: many short-lived objects, maps and
// slices that grow, finalizers, explicit runtime.GC(), results checked.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
)

type node struct {
	left, right *node
	val         int
}

func build(depth, val int) *node {
	if depth == 0 {
		return &node{val: val}
	}
	return &node{build(depth-1, 2*val), build(depth-1, 2*val+1), val}
}

func (n *node) sum() int {
	if n == nil {
		return 0
	}
	return n.val + n.left.sum() + n.right.sum()
}

func main() {
	long := build(14, 1)
	total := 0
	for i := 0; i < 40; i++ {
		t := build(10, i)
		total += t.sum()
	}
	fmt.Println("trees:", total, long.sum())

	var wg sync.WaitGroup
	results := make([]int, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			m := map[string][]byte{}
			for i := 0; i < 20000; i++ {
				k := fmt.Sprintf("k%d", i%500)
				m[k] = append(m[k], byte(i))
				if i%1000 == 0 {
					m = map[string][]byte{}
				}
			}
			results[g] = len(m)
		}(g)
	}
	wg.Wait()
	fmt.Println("maps:", results)

	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.NumGC
	var sb strings.Builder
	for i := 0; i < 200; i++ {
		s := make([]byte, 64*1024)
		s[i] = byte(i)
		sb.WriteByte(s[i])
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	fmt.Println("gc ran:", ms.NumGC > before, "built:", sb.Len())

	finalized := make(chan int, 10)
	for i := 0; i < 10; i++ {
		p := &node{val: i}
		runtime.SetFinalizer(p, func(n *node) { finalized <- n.val })
	}
	got := []int{}
	for len(got) < 10 {
		runtime.GC()
		select {
		case v := <-finalized:
			got = append(got, v)
		default:
			runtime.Gosched()
		}
	}
	sort.Ints(got)
	fmt.Println("finalizers:", got)
	runtime.KeepAlive(long)
	if total != 1118439860 {
		fmt.Println("FAILED go_gc")
		os.Exit(1)
	}
	fmt.Println("ok go_gc")
}
