// Timers: time.Sleep, time.After, time.Ticker, time.AfterFunc, context
// deadlines; durations measured with the monotonic clock.
package main

import (
	"context"
	"fmt"
	"time"
)

func main() {
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	d := time.Since(start)
	fmt.Println("sleep >= 20ms:", d >= 20*time.Millisecond, "< 5s:", d < 5*time.Second)

	start = time.Now()
	<-time.After(15 * time.Millisecond)
	fmt.Println("after >= 15ms:", time.Since(start) >= 15*time.Millisecond)

	t := time.NewTicker(5 * time.Millisecond)
	ticks := 0
	start = time.Now()
	for range t.C {
		ticks++
		if ticks == 5 {
			break
		}
	}
	t.Stop()
	fmt.Println("ticker: ticks =", ticks, ">= 25ms:", time.Since(start) >= 25*time.Millisecond)

	fired := make(chan string)
	time.AfterFunc(10*time.Millisecond, func() { fired <- "afterfunc" })
	fmt.Println("fired:", <-fired)

	tm := time.NewTimer(time.Hour)
	fmt.Println("stopped before firing:", tm.Stop())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	select {
	case <-ctx.Done():
		fmt.Println("context:", ctx.Err())
	case <-time.After(5 * time.Second):
		fmt.Println("context: no deadline")
	}

	// Many concurrent timers.
	done := make(chan int, 100)
	for i := 0; i < 100; i++ {
		i := i
		time.AfterFunc(time.Duration(i%10)*time.Millisecond, func() { done <- i })
	}
	sum := 0
	for i := 0; i < 100; i++ {
		sum += <-done
	}
	fmt.Println("100 timers sum:", sum)

	wall := time.Now()
	fmt.Println("wall clock sane:", wall.Year() >= 2023)
	ts := time.Date(2024, 2, 29, 12, 30, 0, 0, time.UTC)
	fmt.Println("format:", ts.Format(time.RFC3339), ts.Add(24*time.Hour).Weekday())
	fmt.Println("ok go_timers")
}
