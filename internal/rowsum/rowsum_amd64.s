#include "textflag.h"

DATA half<>+0(SB)/4, $0x3f000000
GLOBL half<>(SB), RODATA|NOPTR, $4

// func sumBytesAVX2(dst *byte, rows *[]float32, w *float32, nrows, n int)
TEXT ·sumBytesAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ rows+8(FP), SI
	MOVQ w+16(FP), R9
	MOVQ nrows+24(FP), R8
	MOVQ n+32(FP), CX
	VBROADCASTSS half<>(SB), Y7
	XORQ AX, AX

loop:
	CMPQ AX, CX
	JGE  done
	VXORPS Y0, Y0, Y0
	MOVQ SI, R11
	MOVQ R9, R12
	MOVQ R8, R10

row:
	MOVQ         (R11), R13
	VBROADCASTSS (R12), Y1
	VMULPS       (R13)(AX*4), Y1, Y1
	VADDPS       Y1, Y0, Y0
	ADDQ         $24, R11
	ADDQ         $4, R12
	DECQ         R10
	JNZ          row

	VADDPS       Y7, Y0, Y0
	VCVTTPS2DQ   Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPACKSSDW    X1, X0, X0
	VPACKUSWB    X0, X0, X0
	MOVQ         X0, (DI)(AX*1)
	ADDQ         $8, AX
	JMP          loop

done:
	VZEROUPPER
	RET

// func filterSSE(dst, src, w4 *float32, first *int, n, dw, pix int)
TEXT ·filterSSE(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ w4+16(FP), R8
	MOVQ first+24(FP), R9
	MOVQ n+32(FP), R10
	MOVQ dw+40(FP), R11
	MOVQ pix+48(FP), R14
	MOVQ R10, R12
	SHLQ $4, R12 // bytes of one output's weights

pair:
	CMPQ  R11, $2
	JLT   single
	MOVQ  (R9), AX
	MOVQ  8(R9), BX
	IMULQ R14, AX
	IMULQ R14, BX
	ADDQ  SI, AX
	ADDQ  SI, BX
	MOVQ  R8, CX
	LEAQ  (R8)(R12*1), DX
	XORPS X0, X0
	XORPS X1, X1
	MOVQ  R10, R13

ploop:
	MOVUPS (AX), X2
	MOVUPS (CX), X3
	MULPS  X3, X2
	ADDPS  X2, X0
	MOVUPS (BX), X4
	MOVUPS (DX), X5
	MULPS  X5, X4
	ADDPS  X4, X1
	ADDQ   R14, AX
	ADDQ   R14, BX
	ADDQ   $16, CX
	ADDQ   $16, DX
	DECQ   R13
	JNZ    ploop

	MOVUPS X0, (DI)
	ADDQ   R14, DI
	MOVUPS X1, (DI)
	ADDQ   R14, DI
	ADDQ   $16, R9
	LEAQ   (R8)(R12*2), R8
	SUBQ   $2, R11
	JMP    pair

single:
	CMPQ  R11, $0
	JEQ   done
	MOVQ  (R9), AX
	IMULQ R14, AX
	ADDQ  SI, AX
	MOVQ  R8, CX
	XORPS X0, X0
	MOVQ  R10, R13

sloop:
	MOVUPS (AX), X2
	MOVUPS (CX), X3
	MULPS  X3, X2
	ADDPS  X2, X0
	ADDQ   R14, AX
	ADDQ   $16, CX
	DECQ   R13
	JNZ    sloop

	MOVUPS X0, (DI)

done:
	RET

// func deinterleave4SSE(d0, d1, d2, d3, src4 *float32, n int)
// n is a multiple of 4: each step transposes a 4×4 block.
TEXT ·deinterleave4SSE(SB), NOSPLIT, $0-48
	MOVQ d0+0(FP), DI
	MOVQ d1+8(FP), R8
	MOVQ d2+16(FP), R9
	MOVQ d3+24(FP), R10
	MOVQ src4+32(FP), SI
	MOVQ n+40(FP), CX

tloop:
	CMPQ CX, $0
	JLE  tdone
	MOVUPS (SI), X0   // x0: r0 r1 r2 r3
	MOVUPS 16(SI), X1 // x1
	MOVUPS 32(SI), X2 // x2
	MOVUPS 48(SI), X3 // x3
	MOVAPS X0, X4
	UNPCKLPS X1, X4   // x0r0 x1r0 x0r1 x1r1
	UNPCKHPS X1, X0   // x0r2 x1r2 x0r3 x1r3
	MOVAPS X2, X5
	UNPCKLPS X3, X5   // x2r0 x3r0 x2r1 x3r1
	UNPCKHPS X3, X2   // x2r2 x3r2 x2r3 x3r3
	MOVAPS X4, X6
	MOVLHPS X5, X6    // row 0: x0 x1 x2 x3
	MOVHLPS X4, X5    // row 1: x0 x1 x2 x3
	MOVAPS X0, X7
	MOVLHPS X2, X7    // row 2
	MOVHLPS X0, X2    // row 3
	MOVUPS X6, (DI)
	MOVUPS X5, (R8)
	MOVUPS X7, (R9)
	MOVUPS X2, (R10)
	ADDQ $64, SI
	ADDQ $16, DI
	ADDQ $16, R8
	ADDQ $16, R9
	ADDQ $16, R10
	SUBQ $4, CX
	JMP  tloop

tdone:
	RET
