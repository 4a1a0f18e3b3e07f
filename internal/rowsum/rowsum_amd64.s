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
