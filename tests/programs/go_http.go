// net/http on loopback: a server on 127.0.0.1:0 and a client making GET and
// POST requests, keep-alive and concurrent requests; bodies verified.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.URL.Query().Get("name"))
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Len", fmt.Sprint(len(b)))
		w.Write([]byte(strings.ToUpper(string(b))))
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("0123456789", 100000)))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("FAILED listen:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	failed := false
	check := func(what string, cond bool) {
		if !cond {
			fmt.Println("FAILED", what)
			failed = true
		}
	}

	resp, err := http.Get(base + "/hello?name=vvm")
	if err != nil {
		fmt.Println("FAILED get:", err)
		os.Exit(1)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("GET /hello: %d %q\n", resp.StatusCode, body)

	resp, err = http.Post(base+"/echo", "text/plain", strings.NewReader("post body"))
	check("post", err == nil)
	if err == nil {
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("POST /echo: %d %q len=%s\n", resp.StatusCode, body, resp.Header.Get("X-Len"))
	}

	resp, err = http.Get(base + "/missing")
	check("404", err == nil)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		fmt.Println("GET /missing:", resp.StatusCode)
	}

	resp, err = http.Get(base + "/big")
	check("big", err == nil)
	if err == nil {
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println("GET /big: bytes", len(body), "ok", len(body) == 1000000 && string(body[999990:]) == "0123456789")
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	good := 0
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r, err := http.Get(fmt.Sprintf("%s/hello?name=n%d", base, i))
			if err != nil {
				return
			}
			b, _ := io.ReadAll(r.Body)
			r.Body.Close()
			if string(b) == fmt.Sprintf("hello n%d", i) {
				mu.Lock()
				good++
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	fmt.Println("concurrent good:", good)
	srv.Close()
	if failed || good != 10 {
		os.Exit(1)
	}
	fmt.Println("ok go_http")
}
