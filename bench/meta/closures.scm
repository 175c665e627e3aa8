(define (make-adder n) (lambda (x) (+ x n)))
(define (compose f g) (lambda (x) (f (g x))))
(define (run n)
  (let loop ((i 0) (acc 0))
    (if (= i n) acc
        (let ((f (compose (make-adder i) (make-adder 1))))
          (loop (+ i 1) (f acc))))))
(display (modulo (run 3000000) 1000007)) (newline)
