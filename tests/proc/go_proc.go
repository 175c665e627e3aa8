// Go's runtime on vvm's processes, threads and signals: os/signal delivery
// (SIGUSR1 sent with kill and with tgkill), a SIGSEGV turned into a panic
// and recovered, async preemption of tight loops (SIGURG via tgkill on
// sigaltstack'd threads), os/exec of the host /bin/sh and of this program
// again (clone(CLONE_VFORK|CLONE_VM) + execve), exit codes.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"
	"time"
)

var failures int

func check(ok bool, what string) {
	if !ok {
		fmt.Println("FAILED:", what)
		failures++
	}
}

func child() {
	fmt.Println("child: arg", os.Args[2], "env", os.Getenv("GO_PROC_ENV"))
	os.Exit(42)
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == "child" {
		child()
	}

	// os/signal: the signal arrives on the channel
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, syscall.SIGUSR1, syscall.SIGUSR2)
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	select {
	case s := <-ch:
		check(s == syscall.SIGUSR1, "got SIGUSR1")
	case <-time.After(5 * time.Second):
		check(false, "SIGUSR1 not delivered")
	}
	syscall.Tgkill(os.Getpid(), syscall.Gettid(), syscall.SIGUSR2)
	select {
	case s := <-ch:
		check(s == syscall.SIGUSR2, "got SIGUSR2")
	case <-time.After(5 * time.Second):
		check(false, "SIGUSR2 not delivered")
	}
	signal.Stop(ch)
	fmt.Println("os/signal ok")

	// a nil dereference is a SIGSEGV the runtime turns into a panic
	func() {
		defer func() {
			r := recover()
			check(r != nil, "nil dereference panics")
		}()
		debug.SetPanicOnFault(true)
		var p *int
		*p = 1
	}()
	fmt.Println("nil panic recovered")

	// preemption: tight loops on every P, and the main goroutine still runs
	runtime.GOMAXPROCS(4)
	var stop int32
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for stop == 0 {
				n++
			}
			_ = n
		}()
	}
	time.Sleep(50 * time.Millisecond)
	runtime.GC() // needs every goroutine stopped: preemption
	stop = 1
	wg.Wait()
	fmt.Println("preemption ok")

	// os/exec: the host shell, and this program again
	err := exec.Command("/bin/sh", "-c", "exit 3").Run()
	ee, ok := err.(*exec.ExitError)
	check(ok && ee.ExitCode() == 3, fmt.Sprint("sh exit 3: ", err))
	// (qemu-user without binfmt_misc cannot: its oracle run sets GO_PROC_NO_SELF_EXEC)
	if os.Getenv("GO_PROC_NO_SELF_EXEC") == "" {
		self, _ := os.Executable()
		cmd := exec.Command(self, "child", "x1")
		cmd.Env = []string{"GO_PROC_ENV=y2"}
		out, err := cmd.Output()
		ee, ok = err.(*exec.ExitError)
		check(ok && ee.ExitCode() == 42, fmt.Sprint("self exit 42: ", err))
		check(string(out) == "child: arg x1 env y2\n", "child output: "+string(out))
	}
	_, err = exec.Command("/nonexistent/prog").Output()
	check(err != nil, "exec of a missing program fails")
	fmt.Println("os/exec ok")

	if failures > 0 {
		fmt.Println(failures, "failures")
		os.Exit(1)
	}
	fmt.Println("ok go_proc")
}
