;; string-join is Guile's built-in (SRFI-13) one, as in the vml version.
(define (build n)
  (let loop ((i 0) (parts '()))
    (if (= i n) (string-join (reverse parts) ",")
        (loop (+ i 1) (cons (number->string i) parts)))))
(define (run k total) (if (= k 0) total (run (- k 1) (+ total (string-length (build 100000))))))
(display (run 10 0)) (newline)
