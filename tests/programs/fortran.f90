! Fortran: array operations, intrinsics, a matrix multiply checked against
! MATMUL, a subroutine and a function, formatted WRITE.
module util
  implicit none
contains
  pure function trace(a) result(t)
    real(8), intent(in) :: a(:,:)
    real(8) :: t
    integer :: i
    t = 0
    do i = 1, size(a, 1)
      t = t + a(i, i)
    end do
  end function trace

  subroutine mymatmul(a, b, c)
    real(8), intent(in) :: a(:,:), b(:,:)
    real(8), intent(out) :: c(:,:)
    integer :: i, j, k
    c = 0
    do j = 1, size(b, 2)
      do k = 1, size(a, 2)
        do i = 1, size(a, 1)
          c(i, j) = c(i, j) + a(i, k) * b(k, j)
        end do
      end do
    end do
  end subroutine mymatmul
end module util

program numeric
  use util
  implicit none
  integer, parameter :: n = 40
  real(8) :: a(n, n), b(n, n), c(n, n), d(n, n)
  real(8) :: v(10), w(10)
  integer :: i, j, iv(8)
  character(len=32) :: s

  do j = 1, n
    do i = 1, n
      a(i, j) = dble(i + j) / n
      b(i, j) = dble(i - j) / (n + 1)
    end do
  end do
  call mymatmul(a, b, c)
  d = matmul(a, b)
  write (*, '(A, ES22.14)') 'trace(c)      = ', trace(c)
  write (*, '(A, ES22.14)') 'max|c-matmul| = ', maxval(abs(c - d))
  write (*, '(A, F12.6)') 'sum(a)        = ', sum(a)
  write (*, '(A, 3F10.4)') 'c(1,1:3)      = ', c(1, 1:3)

  v = [(dble(i), i = 1, 10)]
  w = v**2 - 3*v
  write (*, '(A, 10F7.1)') 'w = ', w
  write (*, '(A, F10.4, A, F10.4)') 'dot = ', dot_product(v, w), ' norm = ', sqrt(sum(v*v))
  write (*, '(A, I0, A, I0)') 'maxloc(w) = ', maxloc(w, 1), ' count(w>0) = ', count(w > 0)
  iv = [5, 3, 8, 1, 9, 2, 7, 4]
  write (*, '(A, 8I3)') 'iv reversed =', iv(8:1:-1)
  write (*, '(A, I0, 1X, I0)') 'minval maxval = ', minval(iv), maxval(iv)
  where (iv > 4) iv = 0
  write (*, '(A, 8I3)') 'where       =', iv
  write (*, '(A, F12.8, 1X, F12.8)') 'sin cos = ', sin(1d0), cos(1d0)
  write (*, '(A, ES14.6)') 'exp(10) = ', exp(10d0)
  write (s, '(I5.5, A, F6.2)') 42, '/', 3.14159
  write (*, '(A, A)') 'internal write: ', trim(s)
  write (*, '(L1, 1X, L1)') all(abs(c - d) < 1d-12), any(v > 9.5d0)
  if (maxval(abs(c - d)) > 1d-12) then
    write (*, '(A)') 'FAILED fortran'
    stop 1
  end if
  write (*, '(A)') 'ok fortran'
end program numeric
