# Two instructions, then an illegal one: the block they form ends before it.
# A run whose budget is these two must stop on the budget, not on the next
# block's illegal instruction (that trap belongs to the next run).
	.globl _start
_start:
	li a0, 1
	li a1, 2
	.word 0
