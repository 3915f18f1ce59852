# HalfPrecisionKernelBenchmark's program: one-token matrix-vector products (x @ W^T, x of one row)
# through each LibTorch kernel that can hold weights in fewer than 32 bits, next to float32's MKL
# linear, in TorchScript's serialized-code dialect (built by TorchScriptArchive, run through DJL).
# Kernels (the k argument):
#   0 float32 linear (MKL)              1 float16 linear (x in float16)
#   2 FBGEMM packed float16, one call   3 FBGEMM packed float16, two halves, one forked (the
#                                         fused engine's two-thread form)
#   4 oneDNN prepacked float16          5 bfloat16 linear (x in bfloat16)
#   6 oneDNN prepacked bfloat16         7 FBGEMM packed float16 through quantized::linear_dynamic_fp16
#                                         (split over the intra-op threads: the fused engine's kernel)
# Activations go in and come out in float32 for every kernel.
class HalfKernels(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  def forward(self: __torch__.HalfKernels,
    x: Tensor) -> Tensor:
    return x
  def prepare(self: __torch__.HalfKernels,
    w: Tensor,
    k: int) -> List[Tensor]:
    # w (float32, rows x cols) laid out for kernel k: one tensor, or two halves for kernel 3
    out = annotate(List[Tensor], [])
    if k == 0:
      out.append(torch.contiguous(w))
    elif k == 1:
      out.append(torch.to(w, 5))
    elif k == 2:
      out.append(torch.fbgemm_pack_gemm_matrix_fp16(w))
    elif k == 3:
      h = w.size(0) // 2
      out.append(torch.fbgemm_pack_gemm_matrix_fp16(torch.contiguous(torch.slice(w, 0, 0, h))))
      out.append(torch.fbgemm_pack_gemm_matrix_fp16(torch.contiguous(torch.slice(w, 0, h, w.size(0)))))
    elif k == 4:
      out.append(ops.mkldnn._reorder_linear_weight(torch.to(w, 5), None))
    elif k == 5:
      out.append(torch.to(w, 15))
    else:
      out.append(ops.mkldnn._reorder_linear_weight(torch.to(w, 15), None))
    return out
  def prepare_quantized(self: __torch__.HalfKernels,
    w: Tensor) -> List[__torch__.torch.classes.quantized.LinearPackedParamsBase]:
    # kernel 7's packed matrix (a TorchScript class, so it travels in a list of its own)
    out = annotate(List[__torch__.torch.classes.quantized.LinearPackedParamsBase], [])
    out.append(ops.quantized.linear_prepack_fp16(w, None))
    return out
  def extend_quantized(self: __torch__.HalfKernels,
    acc: List[__torch__.torch.classes.quantized.LinearPackedParamsBase],
    more: List[__torch__.torch.classes.quantized.LinearPackedParamsBase]) -> int:
    for t in more:
      acc.append(t)
    return len(acc)
  def mv_quantized(self: __torch__.HalfKernels,
    x: Tensor,
    ws: List[__torch__.torch.classes.quantized.LinearPackedParamsBase],
    k: int) -> Tensor:
    y = x
    for i in range(len(ws)):
      y = ops.quantized.linear_dynamic_fp16(x, ws[i])
    return y
  def mv(self: __torch__.HalfKernels,
    x: Tensor,
    ws: List[Tensor],
    k: int) -> Tensor:
    # x @ W^T for every prepared matrix in turn (k == 3: ws holds two halves per matrix); returns
    # the last product
    y = x
    bias = torch.zeros([1], dtype=6)
    n = len(ws)
    if k == 3:
      n = n // 2
    for i in range(n):
      if k == 0:
        y = torch.linear(x, ws[i])
      elif k == 1:
        y = torch.to(torch.linear(torch.to(x, 5), ws[i]), 6)
      elif k == 2:
        y = torch.fbgemm_linear_fp16_weight_fp32_activation(x, ws[i], bias)
      elif k == 3:
        a = ws[2 * i]
        def __forked_function():
          return torch.fbgemm_linear_fp16_weight_fp32_activation(x, a, bias)
        fut = fork(__forked_function)
        rest = torch.fbgemm_linear_fp16_weight_fp32_activation(x, ws[2 * i + 1], bias)
        y = torch.cat([torch.wait(fut), rest], -1)
      elif k == 4:
        y = torch.to(ops.mkldnn._linear_pointwise(torch.to(x, 5), ws[i], None, "none", annotate(List[Optional[number]], []), ""), 6)
      elif k == 5:
        y = torch.to(torch.linear(torch.to(x, 15), ws[i]), 6)
      else:
        y = torch.to(ops.mkldnn._linear_pointwise(torch.to(x, 15), ws[i], None, "none", annotate(List[Optional[number]], []), ""), 6)
    return y
  def extend(self: __torch__.HalfKernels,
    acc: List[Tensor],
    more: List[Tensor]) -> int:
    # appends in place (the caller's list object), so the working set grows one matrix at a time
    for t in more:
      acc.append(t)
    return len(acc)
