;; SIMD kernels for the tfjs wasm backend's heap (lib/backends/simd/simd_kernels.ts).
;;
;; The module imports the tfjs wasm module's own memory, so every pointer is a byte offset
;; into the tfjs heap. Channels are last and a multiple of 4 (one f32x4 per 4 channels).
;; Batch-norm sums and arithmetic run in f64x2, in the same order and with the same roundings
;; as the plain JS kernels of wasm_batch_norm.ts, so both give the same numbers bit for bit.
;; scripts/build_simd_kernels.ts assembles it (twice: a shared memory for the threaded build,
;; an unshared one otherwise) into kernels_wasm.ts.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; The gradient of a 2x2, stride-2, unpadded max-pool, each input element written once:
  ;; the window's gradient at its first maximum in row-major order, zero elsewhere and on the
  ;; odd last row or column that no window reaches. $c is a multiple of 4.
  (func (export "maxPool2x2Grad")
    (param $dx i32) (param $x i32) (param $g i32) (param $batch i32) (param $inH i32)
    (param $inW i32) (param $c i32) (param $outH i32) (param $outW i32)
    (local $px i32) (local $row i32) (local $covered i32) (local $delta i32) (local $rowStart i32)
    (local $b i32) (local $oh i32) (local $ow i32) (local $o i32) (local $c4 i32) (local $p i32)
    (local $a v128) (local $v01 v128) (local $v10 v128) (local $v11 v128) (local $v v128)
    (local $gt1 v128) (local $gt2 v128) (local $gt3 v128) (local $best v128)
    (local.set $c4 (i32.shl (local.get $c) (i32.const 2)))
    (local.set $row (i32.mul (local.get $inW) (local.get $c4)))
    (local.set $covered (i32.mul (i32.shl (local.get $outW) (i32.const 1)) (local.get $c4)))
    (local.set $delta (i32.sub (local.get $dx) (local.get $x)))
    (local.set $b (i32.const 0))
    (block $batchDone (loop $batch
      (br_if $batchDone (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $oh (i32.const 0))
      (block $rowsDone (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $oh) (local.get $outH)))
        ;; first input row of this window row: x + ((b * inH + 2 oh) * row)
        (local.set $rowStart (i32.add (local.get $x)
          (i32.mul (i32.add (i32.mul (local.get $b) (local.get $inH))
                            (i32.shl (local.get $oh) (i32.const 1)))
                   (local.get $row))))
        (local.set $px (local.get $rowStart))
        (local.set $ow (i32.const 0))
        (block $colsDone (loop $cols
          (br_if $colsDone (i32.ge_u (local.get $ow) (local.get $outW)))
          (local.set $o (i32.const 0))
          (block $chDone (loop $ch
            (br_if $chDone (i32.ge_u (local.get $o) (local.get $c4)))
            (local.set $p (i32.add (local.get $px) (local.get $o)))
            (local.set $a (v128.load align=4 (local.get $p)))
            (local.set $v01 (v128.load align=4 (i32.add (local.get $p) (local.get $c4))))
            (local.set $v10 (v128.load align=4 (i32.add (local.get $p) (local.get $row))))
            (local.set $v11 (v128.load align=4
              (i32.add (i32.add (local.get $p) (local.get $row)) (local.get $c4))))
            (local.set $v (v128.load align=4 (local.get $g)))
            ;; strictly greater: a tie keeps the earlier position
            (local.set $gt1 (f32x4.gt (local.get $v01) (local.get $a)))
            (local.set $best (v128.bitselect (local.get $v01) (local.get $a) (local.get $gt1)))
            (local.set $gt2 (f32x4.gt (local.get $v10) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $v10) (local.get $best) (local.get $gt2)))
            (local.set $gt3 (f32x4.gt (local.get $v11) (local.get $best)))
            (local.set $p (i32.add (local.get $p) (local.get $delta)))
            (v128.store align=4 (local.get $p)
              (v128.andnot (local.get $v)
                (v128.or (v128.or (local.get $gt1) (local.get $gt2)) (local.get $gt3))))
            (v128.store align=4 (i32.add (local.get $p) (local.get $c4))
              (v128.and (local.get $v)
                (v128.andnot (v128.andnot (local.get $gt1) (local.get $gt2)) (local.get $gt3))))
            (v128.store align=4 (i32.add (local.get $p) (local.get $row))
              (v128.and (local.get $v) (v128.andnot (local.get $gt2) (local.get $gt3))))
            (v128.store align=4
              (i32.add (i32.add (local.get $p) (local.get $row)) (local.get $c4))
              (v128.and (local.get $v) (local.get $gt3)))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (br $ch)))
          (local.set $px (i32.add (local.get $px) (i32.shl (local.get $c4) (i32.const 1))))
          (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
          (br $cols)))
        ;; an odd last column, in both input rows of the window row
        (if (i32.lt_u (local.get $covered) (local.get $row))
          (then
            (memory.fill
              (i32.add (i32.add (local.get $rowStart) (local.get $delta)) (local.get $covered))
              (i32.const 0) (i32.sub (local.get $row) (local.get $covered)))
            (memory.fill
              (i32.add (i32.add (i32.add (local.get $rowStart) (local.get $delta))
                                (local.get $row)) (local.get $covered))
              (i32.const 0) (i32.sub (local.get $row) (local.get $covered)))))
        (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
        (br $rows)))
      ;; an odd last row: rows 2 outH .. inH of this image
      (memory.fill
        (i32.add (local.get $dx)
          (i32.mul (i32.add (i32.mul (local.get $b) (local.get $inH))
                            (i32.shl (local.get $outH) (i32.const 1)))
                   (local.get $row)))
        (i32.const 0)
        (i32.mul (i32.sub (local.get $inH) (i32.shl (local.get $outH) (i32.const 1)))
                 (local.get $row)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $batch))))

  ;; f64x2 of lanes 2 and 3 of an f32x4
  (func $promoteHigh (param $v v128) (result v128)
    (f64x2.promote_low_f32x4
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))

  ;; Per-channel sum and sum of squares of $x ($n elements, $c channels) into the f64 arrays
  ;; $sum and $squares (cleared first): pixel by pixel, as the JS kernel adds them.
  (func (export "channelSums")
    (param $x i32) (param $n i32) (param $c i32) (param $sum i32) (param $squares i32)
    (local $end i32) (local $o i32) (local $c4 i32) (local $v v128) (local $lo v128)
    (local $hi v128) (local $s i32) (local $q i32)
    (local.set $c4 (i32.shl (local.get $c) (i32.const 2)))
    (memory.fill (local.get $sum) (i32.const 0) (i32.shl (local.get $c) (i32.const 3)))
    (memory.fill (local.get $squares) (i32.const 0) (i32.shl (local.get $c) (i32.const 3)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $pixels
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $o (i32.const 0))
      (local.set $s (local.get $sum))
      (local.set $q (local.get $squares))
      (block $chDone (loop $ch
        (br_if $chDone (i32.ge_u (local.get $o) (local.get $c4)))
        (local.set $v (v128.load align=4 (i32.add (local.get $x) (local.get $o))))
        (local.set $lo (f64x2.promote_low_f32x4 (local.get $v)))
        (local.set $hi (call $promoteHigh (local.get $v)))
        (v128.store align=8 (local.get $s)
          (f64x2.add (v128.load align=8 (local.get $s)) (local.get $lo)))
        (v128.store offset=16 align=8 (local.get $s)
          (f64x2.add (v128.load offset=16 align=8 (local.get $s)) (local.get $hi)))
        (v128.store align=8 (local.get $q)
          (f64x2.add (v128.load align=8 (local.get $q))
            (f64x2.mul (local.get $lo) (local.get $lo))))
        (v128.store offset=16 align=8 (local.get $q)
          (f64x2.add (v128.load offset=16 align=8 (local.get $q))
            (f64x2.mul (local.get $hi) (local.get $hi))))
        (local.set $s (i32.add (local.get $s) (i32.const 32)))
        (local.set $q (i32.add (local.get $q) (i32.const 32)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $ch)))
      (local.set $x (i32.add (local.get $x) (local.get $c4)))
      (br $pixels))))

  ;; $y = $x * scale + shift per channel ($scale, $shift: f64 arrays), in f64, rounded once.
  (func (export "scaleShift")
    (param $x i32) (param $y i32) (param $n i32) (param $c i32) (param $scale i32)
    (param $shift i32)
    (local $end i32) (local $o i32) (local $c4 i32) (local $v v128) (local $k i32)
    (local $lo v128) (local $hi v128)
    (local.set $c4 (i32.shl (local.get $c) (i32.const 2)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $pixels
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $o (i32.const 0))
      (local.set $k (i32.const 0))
      (block $chDone (loop $ch
        (br_if $chDone (i32.ge_u (local.get $o) (local.get $c4)))
        (local.set $v (v128.load align=4 (i32.add (local.get $x) (local.get $o))))
        (local.set $lo (f64x2.add
          (f64x2.mul (f64x2.promote_low_f32x4 (local.get $v))
                     (v128.load align=8 (i32.add (local.get $scale) (local.get $k))))
          (v128.load align=8 (i32.add (local.get $shift) (local.get $k)))))
        (local.set $hi (f64x2.add
          (f64x2.mul (call $promoteHigh (local.get $v))
                     (v128.load offset=16 align=8 (i32.add (local.get $scale) (local.get $k))))
          (v128.load offset=16 align=8 (i32.add (local.get $shift) (local.get $k)))))
        (v128.store align=4 (i32.add (local.get $y) (local.get $o))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (local.get $lo))
            (f32x4.demote_f64x2_zero (local.get $hi))))
        (local.set $k (i32.add (local.get $k) (i32.const 32)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $ch)))
      (local.set $x (i32.add (local.get $x) (local.get $c4)))
      (local.set $y (i32.add (local.get $y) (local.get $c4)))
      (br $pixels))))

  ;; Per-channel sum of $dy and of $dy * ($x - mean) ($mean: f64) into the f64 arrays $sumDy
  ;; and $sumDyCentred (cleared first), pixel by pixel.
  (func (export "gradSums")
    (param $dy i32) (param $x i32) (param $n i32) (param $c i32) (param $mean i32)
    (param $sumDy i32) (param $sumDyCentred i32)
    (local $end i32) (local $o i32) (local $c4 i32) (local $k i32) (local $g v128)
    (local $v v128) (local $glo v128) (local $ghi v128) (local $p i32)
    (local.set $c4 (i32.shl (local.get $c) (i32.const 2)))
    (memory.fill (local.get $sumDy) (i32.const 0) (i32.shl (local.get $c) (i32.const 3)))
    (memory.fill (local.get $sumDyCentred) (i32.const 0) (i32.shl (local.get $c) (i32.const 3)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $pixels
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $o (i32.const 0))
      (local.set $k (i32.const 0))
      (block $chDone (loop $ch
        (br_if $chDone (i32.ge_u (local.get $o) (local.get $c4)))
        (local.set $g (v128.load align=4 (i32.add (local.get $dy) (local.get $o))))
        (local.set $v (v128.load align=4 (i32.add (local.get $x) (local.get $o))))
        (local.set $glo (f64x2.promote_low_f32x4 (local.get $g)))
        (local.set $ghi (call $promoteHigh (local.get $g)))
        (local.set $p (i32.add (local.get $sumDy) (local.get $k)))
        (v128.store align=8 (local.get $p)
          (f64x2.add (v128.load align=8 (local.get $p)) (local.get $glo)))
        (v128.store offset=16 align=8 (local.get $p)
          (f64x2.add (v128.load offset=16 align=8 (local.get $p)) (local.get $ghi)))
        (local.set $p (i32.add (local.get $sumDyCentred) (local.get $k)))
        (v128.store align=8 (local.get $p)
          (f64x2.add (v128.load align=8 (local.get $p))
            (f64x2.mul (local.get $glo)
              (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v))
                (v128.load align=8 (i32.add (local.get $mean) (local.get $k)))))))
        (v128.store offset=16 align=8 (local.get $p)
          (f64x2.add (v128.load offset=16 align=8 (local.get $p))
            (f64x2.mul (local.get $ghi)
              (f64x2.sub (call $promoteHigh (local.get $v))
                (v128.load offset=16 align=8 (i32.add (local.get $mean) (local.get $k)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 32)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $ch)))
      (local.set $x (i32.add (local.get $x) (local.get $c4)))
      (local.set $dy (i32.add (local.get $dy) (local.get $c4)))
      (br $pixels))))

  ;; $dx = k * ($dy - a - ($x - mean) * b) per channel (f64 arrays $mean, $k, $a, $b stored one
  ;; after another, $c each, at $coef), in f64, rounded once.
  (func (export "gradApply")
    (param $dy i32) (param $x i32) (param $dx i32) (param $n i32) (param $c i32)
    (param $coef i32)
    (local $end i32) (local $o i32) (local $c4 i32) (local $c8 i32) (local $k i32)
    (local $g v128) (local $v v128) (local $lo v128) (local $hi v128) (local $q i32)
    (local.set $c4 (i32.shl (local.get $c) (i32.const 2)))
    (local.set $c8 (i32.shl (local.get $c) (i32.const 3)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $pixels
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $o (i32.const 0))
      (local.set $k (i32.const 0))
      (block $chDone (loop $ch
        (br_if $chDone (i32.ge_u (local.get $o) (local.get $c4)))
        (local.set $g (v128.load align=4 (i32.add (local.get $dy) (local.get $o))))
        (local.set $v (v128.load align=4 (i32.add (local.get $x) (local.get $o))))
        ;; $q walks mean, k, a, b for these channels
        (local.set $q (i32.add (local.get $coef) (local.get $k)))
        (local.set $lo
          (f64x2.mul
            (v128.load align=8 (i32.add (local.get $q) (local.get $c8)))
            (f64x2.sub
              (f64x2.sub (f64x2.promote_low_f32x4 (local.get $g))
                (v128.load align=8 (i32.add (local.get $q) (i32.shl (local.get $c8) (i32.const 1)))))
              (f64x2.mul
                (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (v128.load align=8 (local.get $q)))
                (v128.load align=8
                  (i32.add (local.get $q) (i32.mul (local.get $c8) (i32.const 3))))))))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (local.set $hi
          (f64x2.mul
            (v128.load align=8 (i32.add (local.get $q) (local.get $c8)))
            (f64x2.sub
              (f64x2.sub (call $promoteHigh (local.get $g))
                (v128.load align=8 (i32.add (local.get $q) (i32.shl (local.get $c8) (i32.const 1)))))
              (f64x2.mul
                (f64x2.sub (call $promoteHigh (local.get $v)) (v128.load align=8 (local.get $q)))
                (v128.load align=8
                  (i32.add (local.get $q) (i32.mul (local.get $c8) (i32.const 3))))))))
        (v128.store align=4 (i32.add (local.get $dx) (local.get $o))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (local.get $lo))
            (f32x4.demote_f64x2_zero (local.get $hi))))
        (local.set $k (i32.add (local.get $k) (i32.const 32)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $ch)))
      (local.set $x (i32.add (local.get $x) (local.get $c4)))
      (local.set $dy (i32.add (local.get $dy) (local.get $c4)))
      (local.set $dx (i32.add (local.get $dx) (local.get $c4)))
      (br $pixels))))

  ;; [a, b, c] -> [c, b, a] (swaps the first and last axes of a float32 tensor viewed as 3-D) in
  ;; 4 x 4 blocks, one f32x4 per row of a block; $a and $c are multiples of 4.
  (func (export "swapOuterAxes")
    (param $out i32) (param $in i32) (param $a i32) (param $b i32) (param $c i32)
    (local $i i32) (local $j i32) (local $k i32) (local $src i32) (local $dst i32)
    (local $inRow i32) (local $outRow i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    ;; bytes between consecutive $a in the input, and consecutive $c in the output
    (local.set $inRow (i32.shl (i32.mul (local.get $b) (local.get $c)) (i32.const 2)))
    (local.set $outRow (i32.shl (i32.mul (local.get $b) (local.get $a)) (i32.const 2)))
    ;; one $j at a time: its output lines are complete before the next one starts
    (local.set $j (i32.const 0))
    (block $bDone (loop $bLoop
      (br_if $bDone (i32.ge_u (local.get $j) (local.get $b)))
      (local.set $i (i32.const 0))
      (block $aDone (loop $aLoop
        (br_if $aDone (i32.ge_u (local.get $i) (local.get $a)))
        (local.set $k (i32.const 0))
        (block $cDone (loop $cLoop
          (br_if $cDone (i32.ge_u (local.get $k) (local.get $c)))
          ;; in[i..i+3][j][k..k+3]
          (local.set $src (i32.add (local.get $in) (i32.shl
            (i32.add (i32.mul (i32.add (i32.mul (local.get $i) (local.get $b)) (local.get $j))
                              (local.get $c))
                     (local.get $k))
            (i32.const 2))))
          (local.set $r0 (v128.load align=4 (local.get $src)))
          (local.set $r1 (v128.load align=4 (i32.add (local.get $src) (local.get $inRow))))
          (local.set $r2 (v128.load align=4
            (i32.add (local.get $src) (i32.shl (local.get $inRow) (i32.const 1)))))
          (local.set $r3 (v128.load align=4
            (i32.add (local.get $src) (i32.mul (local.get $inRow) (i32.const 3)))))
          (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
            (local.get $r0) (local.get $r1)))
          (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
            (local.get $r0) (local.get $r1)))
          (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
            (local.get $r2) (local.get $r3)))
          (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
            (local.get $r2) (local.get $r3)))
          ;; out[k..k+3][j][i..i+3]
          (local.set $dst (i32.add (local.get $out) (i32.shl
            (i32.add (i32.mul (i32.add (i32.mul (local.get $k) (local.get $b)) (local.get $j))
                              (local.get $a))
                     (local.get $i))
            (i32.const 2))))
          (v128.store align=4 (local.get $dst)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
          (v128.store align=4 (i32.add (local.get $dst) (local.get $outRow))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
              (local.get $t0) (local.get $t2)))
          (v128.store align=4 (i32.add (local.get $dst) (i32.shl (local.get $outRow) (i32.const 1)))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
          (v128.store align=4 (i32.add (local.get $dst) (i32.mul (local.get $outRow) (i32.const 3)))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
              (local.get $t1) (local.get $t3)))
          (local.set $k (i32.add (local.get $k) (i32.const 4)))
          (br $cLoop)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $aLoop)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $bLoop)))
  )

  ;; Column sums of $x ($rows x $cols, $cols a multiple of 4) into the f64 array $sum (cleared
  ;; first): row after row, as wasm_leading_reductions.ts's JS loop adds them.
  (func (export "columnSums") (param $x i32) (param $rows i32) (param $cols i32) (param $sum i32)
    (local $end i32) (local $o i32) (local $c4 i32) (local $v v128) (local $s i32)
    (local.set $c4 (i32.shl (local.get $cols) (i32.const 2)))
    (memory.fill (local.get $sum) (i32.const 0) (i32.shl (local.get $cols) (i32.const 3)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $c4))))
    (block $done (loop $rowLoop
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $o (i32.const 0))
      (local.set $s (local.get $sum))
      (block $colsDone (loop $colLoop
        (br_if $colsDone (i32.ge_u (local.get $o) (local.get $c4)))
        (local.set $v (v128.load align=4 (i32.add (local.get $x) (local.get $o))))
        (v128.store align=8 (local.get $s)
          (f64x2.add (v128.load align=8 (local.get $s)) (f64x2.promote_low_f32x4 (local.get $v))))
        (v128.store offset=16 align=8 (local.get $s)
          (f64x2.add (v128.load offset=16 align=8 (local.get $s)) (call $promoteHigh (local.get $v))))
        (local.set $s (i32.add (local.get $s) (i32.const 32)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $colLoop)))
      (local.set $x (i32.add (local.get $x) (local.get $c4)))
      (br $rowLoop))))

  ;; The filter gradient of an unpadded, stride-1 convolution of a one-channel input:
  ;; $dw[(i, j), o] = sum over (b, oh, ow) of $x[b, oh + i, ow + j] * $dy[b, oh, ow, o], $dw
  ;; ($kh x $kw x $co) cleared first, $co a multiple of 4. Each output starts at +0 and adds
  ;; its products (f32 multiply, then f32 add) in the order of (b, oh, ow), as XNNPACK's f32
  ;; GEMM does for the matrix product wasm_conv_grads.ts ran instead (windows x dy): the
  ;; same numbers bit for bit. Row by row of dy, so that the row stays in L1 across the taps.
  (func (export "oneChannelFilterGrad")
    (param $dw i32) (param $x i32) (param $dy i32) (param $batch i32) (param $inH i32)
    (param $inW i32) (param $outH i32) (param $outW i32) (param $kh i32) (param $kw i32)
    (param $co i32)
    (local $co4 i32) (local $b i32) (local $oh i32) (local $i i32) (local $j i32)
    (local $dyRow i32) (local $xRow i32) (local $w i32) (local $o i32) (local $px i32)
    (local $pd i32) (local $n i32) (local $s v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $co4 (i32.shl (local.get $co) (i32.const 2)))
    (memory.fill (local.get $dw) (i32.const 0)
      (i32.mul (i32.mul (local.get $kh) (local.get $kw)) (local.get $co4)))
    (local.set $dyRow (local.get $dy))
    (local.set $b (i32.const 0))
    (block $batchDone (loop $batchLoop
      (br_if $batchDone (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $oh (i32.const 0))
      (block $rowsDone (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $oh) (local.get $outH)))
        (local.set $w (local.get $dw))
        (local.set $i (i32.const 0))
        (block $iDone (loop $iLoop
          (br_if $iDone (i32.ge_u (local.get $i) (local.get $kh)))
          (local.set $j (i32.const 0))
          (block $jDone (loop $jLoop
            (br_if $jDone (i32.ge_u (local.get $j) (local.get $kw)))
            ;; x[b, oh + i, j]
            (local.set $xRow (i32.add (local.get $x) (i32.shl
              (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $inH))
                                         (i32.add (local.get $oh) (local.get $i)))
                                (local.get $inW))
                       (local.get $j))
              (i32.const 2))))
            (local.set $o (i32.const 0))
            ;; 32 channels at a time, in eight accumulators
            (block $wideDone (loop $wideLoop
              (br_if $wideDone (i32.gt_u (i32.add (local.get $o) (i32.const 128)) (local.get $co4)))
              (local.set $a0 (v128.load offset=0 align=4 (local.get $w)))
              (local.set $a1 (v128.load offset=16 align=4 (local.get $w)))
              (local.set $a2 (v128.load offset=32 align=4 (local.get $w)))
              (local.set $a3 (v128.load offset=48 align=4 (local.get $w)))
              (local.set $a4 (v128.load offset=64 align=4 (local.get $w)))
              (local.set $a5 (v128.load offset=80 align=4 (local.get $w)))
              (local.set $a6 (v128.load offset=96 align=4 (local.get $w)))
              (local.set $a7 (v128.load offset=112 align=4 (local.get $w)))
              (local.set $px (local.get $xRow))
              (local.set $pd (i32.add (local.get $dyRow) (local.get $o)))
              (local.set $n (local.get $outW))
              (block $pixDone (loop $pixLoop
                (br_if $pixDone (i32.eqz (local.get $n)))
                (local.set $s (f32x4.splat (f32.load (local.get $px))))
                (local.set $a0 (f32x4.add (local.get $a0)
                  (f32x4.mul (local.get $s) (v128.load offset=0 align=4 (local.get $pd)))))
                (local.set $a1 (f32x4.add (local.get $a1)
                  (f32x4.mul (local.get $s) (v128.load offset=16 align=4 (local.get $pd)))))
                (local.set $a2 (f32x4.add (local.get $a2)
                  (f32x4.mul (local.get $s) (v128.load offset=32 align=4 (local.get $pd)))))
                (local.set $a3 (f32x4.add (local.get $a3)
                  (f32x4.mul (local.get $s) (v128.load offset=48 align=4 (local.get $pd)))))
                (local.set $a4 (f32x4.add (local.get $a4)
                  (f32x4.mul (local.get $s) (v128.load offset=64 align=4 (local.get $pd)))))
                (local.set $a5 (f32x4.add (local.get $a5)
                  (f32x4.mul (local.get $s) (v128.load offset=80 align=4 (local.get $pd)))))
                (local.set $a6 (f32x4.add (local.get $a6)
                  (f32x4.mul (local.get $s) (v128.load offset=96 align=4 (local.get $pd)))))
                (local.set $a7 (f32x4.add (local.get $a7)
                  (f32x4.mul (local.get $s) (v128.load offset=112 align=4 (local.get $pd)))))
                (local.set $px (i32.add (local.get $px) (i32.const 4)))
                (local.set $pd (i32.add (local.get $pd) (local.get $co4)))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $pixLoop)))
              (v128.store offset=0 align=4 (local.get $w) (local.get $a0))
              (v128.store offset=16 align=4 (local.get $w) (local.get $a1))
              (v128.store offset=32 align=4 (local.get $w) (local.get $a2))
              (v128.store offset=48 align=4 (local.get $w) (local.get $a3))
              (v128.store offset=64 align=4 (local.get $w) (local.get $a4))
              (v128.store offset=80 align=4 (local.get $w) (local.get $a5))
              (v128.store offset=96 align=4 (local.get $w) (local.get $a6))
              (v128.store offset=112 align=4 (local.get $w) (local.get $a7))
              (local.set $w (i32.add (local.get $w) (i32.const 128)))
              (local.set $o (i32.add (local.get $o) (i32.const 128)))
              (br $wideLoop)))
            ;; the channels left over, four at a time
            (block $narrowDone (loop $narrowLoop
              (br_if $narrowDone (i32.ge_u (local.get $o) (local.get $co4)))
              (local.set $a0 (v128.load align=4 (local.get $w)))
              (local.set $px (local.get $xRow))
              (local.set $pd (i32.add (local.get $dyRow) (local.get $o)))
              (local.set $n (local.get $outW))
              (block $pixDone1 (loop $pixLoop1
                (br_if $pixDone1 (i32.eqz (local.get $n)))
                (local.set $a0 (f32x4.add (local.get $a0)
                  (f32x4.mul (f32x4.splat (f32.load (local.get $px)))
                    (v128.load align=4 (local.get $pd)))))
                (local.set $px (i32.add (local.get $px) (i32.const 4)))
                (local.set $pd (i32.add (local.get $pd) (local.get $co4)))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $pixLoop1)))
              (v128.store align=4 (local.get $w) (local.get $a0))
              (local.set $w (i32.add (local.get $w) (i32.const 16)))
              (local.set $o (i32.add (local.get $o) (i32.const 16)))
              (br $narrowLoop)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jLoop)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $iLoop)))
        (local.set $dyRow (i32.add (local.get $dyRow)
          (i32.mul (local.get $outW) (local.get $co4))))
        (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
        (br $rowLoop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $batchLoop)))
  )
)
