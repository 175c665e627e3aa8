// Goroutines, channels (buffered and unbuffered), select, sync.WaitGroup,
// sync.Mutex, sync/atomic, a CPU-bound pipeline that needs preemption.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

func worker(id int, jobs <-chan int, results chan<- int, wg *sync.WaitGroup) {
	defer wg.Done()
	for j := range jobs {
		results <- j * j
	}
}

func main() {
	jobs := make(chan int, 100)
	results := make(chan int, 1000)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go worker(w, jobs, results, &wg)
	}
	for i := 1; i <= 1000; i++ {
		jobs <- i
	}
	close(jobs)
	go func() { wg.Wait(); close(results) }()
	sum := 0
	for r := range results {
		sum += r
	}
	fmt.Println("worker pool sum:", sum)

	// Unbuffered ping-pong.
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	v := 0
	for i := 0; i < 1000; i++ {
		ping <- v
		v = <-pong
	}
	close(ping)
	fmt.Println("ping-pong:", v)

	// Mutex and atomics from many goroutines.
	var mu sync.Mutex
	var counter int
	var acounter int64
	var wg2 sync.WaitGroup
	for g := 0; g < 50; g++ {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			for i := 0; i < 1000; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
				atomic.AddInt64(&acounter, 1)
			}
		}()
	}
	wg2.Wait()
	fmt.Println("mutex:", counter, "atomic:", atomic.LoadInt64(&acounter))

	// select with a timeout and a default.
	c := make(chan string, 1)
	select {
	case s := <-c:
		fmt.Println("unexpected", s)
	default:
		fmt.Println("select default")
	}
	go func() { time.Sleep(5 * time.Millisecond); c <- "late" }()
	select {
	case s := <-c:
		fmt.Println("select got:", s)
	case <-time.After(5 * time.Second):
		fmt.Println("select timeout")
	}

	// Tight loops with no function calls on one P: the second goroutine
	// starts, and main gets to run again, only if the runtime preempts a
	// spinning goroutine asynchronously (with a signal).
	runtime.GOMAXPROCS(1)
	var stop int32
	started := make(chan bool, 2)
	done := make(chan bool, 2)
	for i := 0; i < 2; i++ {
		go func() {
			started <- true
			for atomic.LoadInt32(&stop) == 0 {
			}
			done <- true
		}()
	}
	<-started
	<-started
	atomic.StoreInt32(&stop, 1)
	<-done
	<-done
	fmt.Println("preemption: ok")

	var once sync.Once
	for i := 0; i < 3; i++ {
		once.Do(func() { fmt.Println("once") })
	}
	if sum != 333833500 || v != 1000 || counter != 50000 {
		fmt.Println("FAILED go_goroutines")
		os.Exit(1)
	}
	fmt.Println("ok go_goroutines")
}
