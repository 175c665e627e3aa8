(define (integrate n)
  (let loop ((i 0) (sum 0.0) (x 0.0))
    (if (= i n) sum
        (loop (+ i 1) (+ sum (* x x 0.5)) (+ x 0.000001)))))
(display (integrate 10000000)) (newline)
