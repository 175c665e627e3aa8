;; Guile's native hash tables; hash-set!/hash-ref compare keys with equal?,
;; like vml's make-hash-table / hash-table-set! / hash-table-ref.
(define (run n)
  (let ((h (make-hash-table)))
    (do ((i 0 (+ i 1))) ((= i n)) (hash-set! h (modulo (* i 7919) 1000003) i))
    (let loop ((i 0) (sum 0))
      (if (= i n) sum (loop (+ i 1) (+ sum (hash-ref h (modulo (* i 7919) 1000003) 0)))))))
(display (+ (run 500000) (run 500000))) (newline)
