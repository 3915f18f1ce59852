# LayerSkip-DJL's fused decode step: the Llama decoder's inference math as one weight-free
# TorchScript program (code only), run by LibTorch through DJL with one native call per pass.
# It is written in TorchScript's serialized-code dialect (the form torch.jit.save stores and
# LibTorch compiles at load time), so the project writes the archive itself (TorchScriptArchive)
# and needs no Python at build or run time. The same math, op for op, is the per-op path in
# org.layerskip.nn (LlamaModel, LlamaDecoderLayer, LlamaAttention, RmsNorm, Rope, LlamaMlp),
# which the tests compare this program against.
#
# Arguments (built once and reused; see FusedEngine / FusedSession):
#   w   weights: [0] embedding (V, D) (after map_embedding(): the checkpoint's own table, which
#       may be stored in another float type: lookups convert to the model's, w[1]'s), [1] final
#       norm (D), [2] LM head (V, D), [3] rotary inverse
#       frequencies (Dh/2) float64, [4] rotate-half matrix (Dh, Dh), [5] per-head rotary scale
#       (H+K, 1) float64 (1/sqrt(Dh) for query heads), then per layer l at 6 + 6l: input norm, qkv,
#       o, post-attention norm, gate_up, down (Hugging Face (out, in) layouts, q/k/v and gate/up
#       stacked row-wise)
#   pq  FBGEMM's packed half-precision blocks of kernel-3 matrices (packed_list(), filled by
#       adopt() while passes may already run; quantized::linear_prepack_fp16)
#   kv  per layer l: keys at 2l, values at 2l+1, each (B, K, C, Dh); [2L] exit states (B, X, D);
#       [2L+1] draft distributions (B, dmax, V) float64 when sampling (else unused)
#   cfg session ints: L, H, K, Dh, D, F, V, B, X, G, top-k, sampling, then the attention group of
#       every layer (L ints), then per group: kind (0 full, 1 sliding, 2 chunked), size, capacity,
#       ring (1 = slot is position mod capacity), then the matrix layout of prepare(): the kernel of
#       every matrix (4 per layer: qkv, o, gate_up, down; then the head): 0 linear, 1 matmul with a
#       transposed copy, 2 oneDNN prepacked, 3 FBGEMM half precision (blocks in pq), followed by
#       4 ints per matrix that place kernel 3's blocks in pq
# Lines marked "@packed" use oneDNN ops that only some LibTorch builds have; the engine removes
# them unless prepacking is on.
#   fc  session floats: rms-norm epsilon, temperature, top-p
#   p   the pass (the only per-call argument): see step() and speculate()
# Uniforms and thresholds arrive as integers u * 2^53 (exact for SplittableRandom's doubles).
# Results are a list of floats whose first entry is a status: 0 ok, 1 non-finite logits.
class LayerSkipDecoder(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  def forward(self: __torch__.LayerSkipDecoder,
    x: Tensor) -> Tensor:
    return x
  def rms(self: __torch__.LayerSkipDecoder,
    x: Tensor,
    w: Tensor,
    eps: float) -> Tensor:
    inv = torch.rsqrt(torch.add(torch.mean(torch.mul(x, x), [-1], True), eps))
    return torch.mul(torch.mul(x, inv), w)
  def head(self: __torch__.LayerSkipDecoder,
    h: Tensor,
    w: List[Tensor],
    pq: List[__torch__.torch.classes.quantized.LinearPackedParamsBase],
    cfg: List[int],
    eps: float) -> Tensor:
    hn = self.rms(h, w[1], eps)
    kh = 12 + cfg[0] + 4 * cfg[9]
    kq = cfg[kh + 4 * cfg[0]]
    at = kh + 4 * cfg[0] + 1 + 16 * cfg[0]
    if kq == 1:
      return torch.matmul(hn, w[2])
    elif kq == 3 and len(pq) >= cfg[at] + cfg[at + 1]:
      return self.mv16(hn, pq, cfg, at)
    elif kq == 2:  # @packed
      return ops.mkldnn._linear_pointwise(hn, w[2], None, "none", annotate(List[Optional[number]], []), "")  # @packed
    return torch.linear(hn, w[2])
  def mv16(self: __torch__.LayerSkipDecoder,
    x: Tensor,
    pq: List[__torch__.torch.classes.quantized.LinearPackedParamsBase],
    cfg: List[int],
    at: int) -> Tensor:
    # x @ W^T for a matrix packed by FBGEMM in half precision (kernel 3; see prepare()): its
    # cfg[at + 1] row blocks sit at pq[cfg[at]...]; activations go in and come out in float32.
    # quantized::linear_dynamic_fp16 splits each product over PyTorch's intra-op threads.
    x32 = torch.to(x, 6)
    s0 = cfg[at]
    n = cfg[at + 1]
    if n == 1:
      return torch.type_as(ops.quantized.linear_dynamic_fp16(x32, pq[s0]), x)
    outs = annotate(List[Tensor], [])
    for i in range(s0, s0 + n):
      outs.append(ops.quantized.linear_dynamic_fp16(x32, pq[i]))
    return torch.type_as(torch.cat(outs, -1), x)
  def mask(self: __torch__.LayerSkipDecoder,
    pos: Tensor,
    last: Tensor,
    S: int,
    kind: int,
    size: int,
    cap: int,
    ring: bool,
    G: int,
    dtype: int) -> Tensor:
    b = pos.size(0)
    T = pos.size(1)
    dev = pos.device
    k = torch.arange(S, device=dev).view([1, S])
    if ring:
      sp = torch.sub(last.view([b, 1]), torch.remainder(torch.sub(last.view([b, 1]), k), cap))
    else:
      sp = k.expand([b, S])
    q = pos.view([b, T, 1])
    p = sp.view([b, 1, S])
    vis = torch.logical_and(torch.le(p, q), torch.ge(p, 0))
    if kind == 1:
      vis = torch.logical_and(vis, torch.lt(torch.sub(q, p), size))
    if kind == 2:
      same = torch.eq(torch.div(p, size, rounding_mode="floor"), torch.div(q, size, rounding_mode="floor"))
      vis = torch.logical_and(vis, same)
    m = torch.masked_fill(torch.zeros([b, T, S], dtype=dtype, device=dev), torch.logical_not(vis), float("-inf"))
    return m.view([b, 1, T, S]).repeat([1, 1, G, 1])
  def run_layers(self: __torch__.LayerSkipDecoder,
    w: List[Tensor],
    pq: List[__torch__.torch.classes.quantized.LinearPackedParamsBase],
    kv: List[Tensor],
    cfg: List[int],
    eps: float,
    rows: List[int],
    starts: List[int],
    T: int,
    frm: int,
    to: int,
    h0: Tensor,
    store: bool,
    allrows: bool) -> Tensor:
    L = cfg[0]
    H = cfg[1]
    K = cfg[2]
    Dh = cfg[3]
    F = cfg[5]
    X = cfg[8]
    G = cfg[9]
    b = len(rows)
    dev = h0.device
    st = torch.tensor(starts, dtype=4, device=dev)
    pos = torch.add(st.view([b, 1]), torch.arange(T, device=dev).view([1, T]))
    rows_t = torch.tensor(rows, dtype=4, device=dev)
    rows_bt = rows_t.view([b, 1]).expand([b, T])
    read_rows = annotate(Optional[Tensor], None)
    if not allrows:
      read_rows = rows_t
    dtype = h0.dtype
    ang = torch.mul(pos.to(7).unsqueeze(-1), w[3])
    ang = torch.cat([ang, ang], -1).unsqueeze(2)
    cos = torch.mul(torch.cos(ang), w[5]).to(dtype)
    sin = torch.mul(torch.sin(ang), w[5]).to(dtype)
    uniform = True
    maxend = 0
    for s in starts:
      if s != starts[0]:
        uniform = False
      if s + T > maxend:
        maxend = s + T
    last = torch.add(st, T - 1)
    slots = annotate(List[Tensor], [])
    masks = annotate(List[Optional[Tensor]], [])
    reads = annotate(List[int], [])
    contiguous = annotate(List[bool], [])
    for g in range(G):
      gb = 12 + L + 4 * g
      kind = cfg[gb]
      size = cfg[gb + 1]
      cap = cfg[gb + 2]
      ring = cfg[gb + 3] == 1
      S = maxend
      if ring:
        slots.append(torch.remainder(pos, cap))
        S = cap
      else:
        slots.append(pos)
      reads.append(S)
      contiguous.append(allrows and uniform and not ring)
      if ring or kind != 0 or T > 1 or not uniform:
        masks.append(self.mask(pos, last, S, kind, size, cap, ring, H // K, dtype))
      else:
        masks.append(None)
    # The layer loop, written out in place: a TorchScript method call costs as much as a few ops.
    # One layer: h = x + attn(rms(x)); out = h + mlp(rms(h)) (LlamaDecoderLayer), with the keys
    # and values written into the layer's cache at the pass's slots before attention reads them.
    h = h0
    Gq = H // K
    kb = 12 + L + 4 * G
    for l in range(frm, to):
      g = cfg[12 + l]
      base = 6 + 6 * l
      kc = kv[2 * l]
      vc = kv[2 * l + 1]
      S = reads[g]
      mask = masks[g]
      x = h
      inv = torch.rsqrt(torch.add(torch.mean(torch.mul(x, x), [-1], True), eps))
      xn = torch.mul(torch.mul(x, inv), w[base])
      kq = cfg[kb + 4 * l]
      # a kernel-3 matrix runs packed once its blocks are in pq (adopt() appends them, and frees
      # the model's copy, while no pass runs), and on the model's copy until then
      pk = kb + 4 * L + 1 + 16 * l
      if kq == 1:
        proj0 = torch.matmul(xn, w[base + 1])
      elif kq == 3 and len(pq) >= cfg[pk + 0] + cfg[pk + 1]:
        proj0 = self.mv16(xn, pq, cfg, pk + 0)
      elif kq == 2:  # @packed
        proj0 = ops.mkldnn._linear_pointwise(xn, w[base + 1], None, "none", annotate(List[Optional[number]], []), "")  # @packed
      else:
        proj0 = torch.linear(xn, w[base + 1])
      proj = proj0.view([b, T, H + 2 * K, Dh])
      qk0 = proj.narrow(2, 0, H + K)
      v = proj.narrow(2, H + K, K)
      qk = torch.add(torch.mul(qk0, cos), torch.mul(torch.matmul(qk0, w[4]), sin))
      q = qk.narrow(2, 0, H)
      k = qk.narrow(2, H, K)
      if contiguous[g]:
        # every row writes the same contiguous slots: a plain copy is the same slot write
        kc.narrow(2, starts[0], T).copy_(k.transpose(1, 2))
        vc.narrow(2, starts[0], T).copy_(v.transpose(1, 2))
      else:
        at = annotate(List[Optional[Tensor]], [rows_bt, None, slots[g]])
        kc.index_put_(at, k)
        vc.index_put_(at, v)
      kr = kc
      vr = vc
      if read_rows is not None:
        kr = torch.index_select(kc, 0, read_rows)
        vr = torch.index_select(vc, 0, read_rows)
      if S < kr.size(2):
        kr = kr.narrow(2, 0, S)
        vr = vr.narrow(2, 0, S)
      if T == 1:
        qg = q.reshape([b, K, Gq, Dh])
      else:
        qg = q.reshape([b, T, K, Gq, Dh]).permute([0, 2, 3, 1, 4]).reshape([b, K, Gq * T, Dh])
      scores = torch.matmul(qg, kr.transpose(2, 3))
      if mask is not None:
        scores = torch.add(scores, mask)
      o = torch.matmul(torch.softmax(scores, -1), vr)
      if T == 1:
        o = o.reshape([b, 1, H * Dh])
      else:
        o = o.reshape([b, K, Gq, T, Dh]).permute([0, 3, 1, 2, 4]).reshape([b, T, H * Dh])
      kq = cfg[kb + 4 * l + 1]
      if kq == 1:
        ao = torch.matmul(o, w[base + 2])
      elif kq == 3 and len(pq) >= cfg[pk + 4] + cfg[pk + 5]:
        ao = self.mv16(o, pq, cfg, pk + 4)
      elif kq == 2:  # @packed
        ao = ops.mkldnn._linear_pointwise(o, w[base + 2], None, "none", annotate(List[Optional[number]], []), "")  # @packed
      else:
        ao = torch.linear(o, w[base + 2])
      h = torch.add(x, ao)
      inv2 = torch.rsqrt(torch.add(torch.mean(torch.mul(h, h), [-1], True), eps))
      hn = torch.mul(torch.mul(h, inv2), w[base + 3])
      kq = cfg[kb + 4 * l + 2]
      if kq == 1:
        gu = torch.matmul(hn, w[base + 4])
      elif kq == 3 and len(pq) >= cfg[pk + 8] + cfg[pk + 9]:
        gu = self.mv16(hn, pq, cfg, pk + 8)
      elif kq == 2:  # @packed
        gu = ops.mkldnn._linear_pointwise(hn, w[base + 4], None, "none", annotate(List[Optional[number]], []), "")  # @packed
      else:
        gu = torch.linear(hn, w[base + 4])

      gate = gu.narrow(-1, 0, F)
      up = gu.narrow(-1, F, F)
      act = torch.mul(torch.mul(gate, torch.sigmoid(gate)), up)
      kq = cfg[kb + 4 * l + 3]
      if kq == 1:
        mo = torch.matmul(act, w[base + 5])
      elif kq == 3 and len(pq) >= cfg[pk + 12] + cfg[pk + 13]:
        mo = self.mv16(act, pq, cfg, pk + 12)
      elif kq == 2:  # @packed
        mo = ops.mkldnn._linear_pointwise(act, w[base + 5], None, "none", annotate(List[Optional[number]], []), "")  # @packed
      else:
        mo = torch.linear(act, w[base + 5])
      h = torch.add(h, mo)
    if store:
      xs = annotate(List[Optional[Tensor]], [rows_bt, torch.remainder(pos, X)])
      kv[2 * L].index_put_(xs, h)
    return h
  def prepare(self: __torch__.LayerSkipDecoder,
    w: List[Tensor],
    layout: List[int]) -> List[Tensor]:
    # Lays out each weight matrix for its matrix-vector kernel, once per model: layout[m] for
    # matrix m (qkv, o, gate_up, down of every layer, then the head; M = 4L + 1 of them):
    # 0 as it is (linear), 1 transposed and contiguous (matmul: 2-2.5x faster for small in-cache
    # matrices), 2 prepacked for oneDNN (multi-token passes at nearly the cost of one), 3 packed
    # by FBGEMM in half precision (fp16 weights read at half of fp32's bytes per token), which
    # pack() and adopt() do afterwards (into pq). The result is w, then a one-element
    # placeholder that takes the place of each matrix whose copy adopt() frees.
    L = (len(w) - 6) // 6
    M = 4 * L + 1
    out = annotate(List[Tensor], [])
    for i in range(len(w)):
      out.append(w[i])
    out.append(torch.zeros([1], dtype=6, device=w[1].device))
    for m in range(M):
      idx = self.matrix_index(L, m)
      if layout[m] == 1:
        out[idx] = torch.contiguous(torch.t(w[idx]))
      elif layout[m] == 2:  # @packed
        out[idx] = ops.mkldnn._reorder_linear_weight(w[idx], None)  # @packed
    return out
  def matrix_index(self: __torch__.LayerSkipDecoder,
    L: int,
    m: int) -> int:
    # Where matrix m (qkv, o, gate_up, down of each layer, then the head) sits in w.
    if m < 4 * L:
      return 6 + 6 * (m // 4) + [1, 2, 4, 5][m % 4]
    return 2
  def pack(self: __torch__.LayerSkipDecoder,
    w: List[Tensor],
    layout: List[int],
    m: int,
    a: int,
    b: int) -> List[__torch__.torch.classes.quantized.LinearPackedParamsBase]:
    # Packs blocks a..b-1 of matrix m for kernel 3 and returns them (layout[M + 4m ...] = the
    # first block's index in pq, the number of blocks, rows per block, and whether
    # the model's copy is freed: see adopt()). Reads w only, so the engine packs several matrices
    # (or parts of one) at once on its threads (FBGEMM packs element by element, ~15 ns each);
    # blocks bound the float32 copy packing reads.
    L = (len(w) - 6) // 6
    M = 4 * L + 1
    idx = self.matrix_index(L, m)
    at = M + 4 * m
    r = layout[at + 2]
    N = w[idx].size(0)
    blocks = annotate(List[__torch__.torch.classes.quantized.LinearPackedParamsBase], [])
    # one float32 scratch block for the whole matrix: a fresh one per block would leave the C heap
    # fragmented between the packed blocks (+0.4 GB for Llama 3.2 1B's head)
    scratch = torch.empty([min(r, N), w[idx].size(1)], dtype=6, device=w[idx].device)
    for i in range(a, b):
      rows = min(r, N - i * r)
      s = torch.narrow(scratch, 0, 0, rows)
      s.copy_(torch.narrow(w[idx], 0, i * r, rows))
      blocks.append(ops.quantized.linear_prepack_fp16(s, None))
    return blocks
  def pack_mapped(self: __torch__.LayerSkipDecoder,
    layout: List[int],
    m: int,
    path: str,
    numel: int,
    offset: int,
    dtype: int,
    N: int,
    D: int,
    a: int,
    b: int) -> List[__torch__.torch.classes.quantized.LinearPackedParamsBase]:
    # pack() for a tied head read from the checkpoint (map_embedding()): each block maps the
    # file anew and unmaps it when done, so the table's pages never all count in memory at once.
    at = (len(layout) // 5) + 4 * m
    r = layout[at + 2]
    blocks = annotate(List[__torch__.torch.classes.quantized.LinearPackedParamsBase], [])
    scratch = torch.empty([min(r, N), D], dtype=6)
    for i in range(a, b):
      rows = min(r, N - i * r)
      t = torch.from_file(path, False, numel, dtype=dtype)
      s = torch.narrow(scratch, 0, 0, rows)
      s.copy_(torch.view(torch.narrow(t, 0, offset + i * r * D, rows * D), [rows, D]))
      blocks.append(ops.quantized.linear_prepack_fp16(s, None))
    return blocks
  def adopt(self: __torch__.LayerSkipDecoder,
    w: List[Tensor],
    out: List[Tensor],
    pq: List[__torch__.torch.classes.quantized.LinearPackedParamsBase],
    blocks: List[__torch__.torch.classes.quantized.LinearPackedParamsBase],
    layout: List[int],
    m: int,
    last: bool) -> int:
    # Appends packed blocks of matrix m to pq (matrices in packOrder's order, the parts of one in
    # block order) and, with its last part, frees the model's copy in prepare()'s result when
    # layout says so (1; 2: map_embedding() already freed it; the engine then trims the C heap, so
    # memory stays at the weights); returns pq's new length.
    L = (len(w) - 6) // 6
    idx = self.matrix_index(L, m)
    for b in blocks:
      pq.append(b)
    release = layout[4 * L + 1 + 4 * m + 3]
    if not last:
      release = 0
    if release > 0:
      out[idx] = out[6 + 6 * L]
    if release == 1:
      torch.set_(w[idx])
    return len(pq)
  def packed_list(self: __torch__.LayerSkipDecoder) -> List[__torch__.torch.classes.quantized.LinearPackedParamsBase]:
    # The list adopt() appends FBGEMM's packed blocks to (kernel 3), passed to every pass as pq.
    return annotate(List[__torch__.torch.classes.quantized.LinearPackedParamsBase], [])
  def map_embedding(self: __torch__.LayerSkipDecoder,
    out: List[Tensor],
    w: List[Tensor],
    path: str,
    numel: int,
    offset: int,
    dtype: int) -> int:
    # Looks tokens up in the checkpoint's own embedding, memory-mapped (copy-on-write, never
    # written: only the pages lookups touch are read) in the stored float type, from element
    # offset on, and frees the model's copy. A tied head is then packed from the file
    # (pack_mapped()) before any pass runs: until its blocks are in, out[2] must not be used.
    orig = w[0]
    V = orig.size(0)
    D = orig.size(1)
    t = torch.from_file(path, False, numel, dtype=dtype)
    out[0] = torch.view(torch.narrow(t, 0, offset, V * D), [V, D])
    torch.set_(orig)
    return 0
  def head_copy(self: __torch__.LayerSkipDecoder,
    out: List[Tensor]) -> int:
    # When a mapped tied head could not be packed: an in-memory copy in the model's type for
    # linear, as if the embedding had stayed.
    out[2] = torch.contiguous(torch.type_as(out[0], out[1]))
    return 0
  def exit_states(self: __torch__.LayerSkipDecoder,
    kv: List[Tensor],
    cfg: List[int],
    rows: List[int],
    starts: List[int],
    T: int) -> Tensor:
    b = len(rows)
    dev = kv[0].device
    pos = torch.add(torch.tensor(starts, dtype=4, device=dev).view([b, 1]), torch.arange(T, device=dev).view([1, T]))
    rows_bt = torch.tensor(rows, dtype=4, device=dev).view([b, 1]).expand([b, T])
    at = annotate(List[Optional[Tensor]], [rows_bt, torch.remainder(pos, cfg[8])])
    return torch.index(kv[2 * cfg[0]], at)
  def probs(self: __torch__.LayerSkipDecoder,
    logits: Tensor,
    cfg: List[int],
    fc: List[float]) -> Tensor:
    V = logits.size(-1)
    topk = cfg[10]
    topp = fc[2]
    p = torch.softmax(torch.div(logits.to(7), fc[1]), -1)
    if (topk > 0 and topk < V) or topp < 1.0:
      sp, si = torch.sort(p, stable=True, dim=-1, descending=True)
      rank = torch.arange(V, device=logits.device).view([1, V])
      keep = torch.ones_like(sp, dtype=11)
      if topk > 0 and topk < V:
        keep = torch.lt(rank, topk).expand_as(sp)
      if topp < 1.0:
        kept = torch.mul(sp, keep)
        kept = torch.div(kept, torch.sum(kept, [-1], True))
        keep = torch.logical_and(keep, torch.lt(torch.sub(torch.cumsum(kept, -1), kept), topp))
      sq = torch.mul(sp, keep)
      sq = torch.div(sq, torch.sum(sq, [-1], True))
      p = torch.scatter(torch.zeros_like(p), -1, si, sq)
    return p
  def draw(self: __torch__.LayerSkipDecoder,
    dist: Tensor,
    u: Tensor) -> Tensor:
    V = dist.size(-1)
    cdf = torch.cumsum(dist, -1)
    idx = torch.sum(torch.le(cdf, u.unsqueeze(-1)), [-1])
    lastnz = torch.sub(V - 1, torch.argmax(torch.flip(torch.gt(dist, 0.0), [-1]).to(4), -1))
    return torch.minimum(idx, lastnz)
  def uniforms(self: __torch__.LayerSkipDecoder,
    ints: List[int],
    dev: Device) -> Tensor:
    return torch.div(torch.tensor(ints, dtype=7, device=dev), 9007199254740992.0)
  def step(self: __torch__.LayerSkipDecoder,
    w: List[Tensor],
    pq: List[__torch__.torch.classes.quantized.LinearPackedParamsBase],
    kv: List[Tensor],
    cfg: List[int],
    fc: List[float],
    p: List[int]) -> List[float]:
    # p: b, T, from, to, input (0 ids, 1 stored exit states), store exit states (0/1),
    #    output (0 none, 1 one token per row at pick[], 2 argmax at every position, 3 all logits),
    #    all rows (0/1),
    #    rows[b], starts[b], ids[b*T] (input 0), pick[b] (output 1), uniforms[b] (output 1, sampling)
    b = p[0]
    T = p[1]
    frm = p[2]
    to = p[3]
    mode = p[4]
    store = p[5] == 1
    out = p[6]
    allrows = p[7] == 1
    dev = w[0].device
    o = 8
    rows = p[o:o + b]
    o = o + b
    starts = p[o:o + b]
    o = o + b
    if mode == 0:
      ids = torch.tensor(p[o:o + b * T], dtype=4, device=dev).view([b, T])
      o = o + b * T
      h = torch.type_as(torch.embedding(w[0], ids), w[1])
    else:
      h = self.exit_states(kv, cfg, rows, starts, T)
    h = self.run_layers(w, pq, kv, cfg, fc[0], rows, starts, T, frm, to, h, store, allrows)
    res = annotate(List[float], [0.0])
    if out == 1:
      pick = torch.tensor(p[o:o + b], dtype=4, device=dev)
      o = o + b
      hp = torch.index(h, annotate(List[Optional[Tensor]], [torch.arange(b, device=dev), pick]))
      logits = self.head(hp, w, pq, cfg, fc[0])
      m, a = torch.max(logits, -1)
      if not bool(torch.all(torch.isfinite(m))):
        return annotate(List[float], [1.0])
      if cfg[11] == 1:
        a = self.draw(self.probs(logits, cfg, fc), self.uniforms(p[o:o + b], dev))
      res = res + annotate(List[float], a.to(7).tolist())
    if out == 2:
      logits = self.head(h, w, pq, cfg, fc[0])
      m, a = torch.max(logits, -1)
      if not bool(torch.all(torch.isfinite(m))):
        return annotate(List[float], [1.0])
      res = res + annotate(List[float], a.to(7).view([-1]).tolist())
    if out == 3:
      res = res + annotate(List[float], self.head(h, w, pq, cfg, fc[0]).to(7).view([-1]).tolist())
    return res
  def speculate(self: __torch__.LayerSkipDecoder,
    w: List[Tensor],
    pq: List[__torch__.torch.classes.quantized.LinearPackedParamsBase],
    kv: List[Tensor],
    cfg: List[int],
    fc: List[float],
    p: List[int]) -> List[float]:
    # p: b, E, dmax, reuse exit states (0/1), all rows (0/1), confidence threshold (* 2^53, 0 off),
    #    number of EOS ids, rows[b], starts[b], last tokens[b], budgets[b], eos[...],
    #    draft uniforms[b*dmax] and residual uniforms[b*(dmax+1)] (sampling)
    L = cfg[0]
    V = cfg[6]
    sampling = cfg[11] == 1
    eps = fc[0]
    b = p[0]
    E = p[1]
    dmax = p[2]
    reuse = p[3] == 1
    allrows = p[4] == 1
    thr = float(p[5]) / 9007199254740992.0
    ne = p[6]
    dev = w[0].device
    o = 7
    rows = p[o:o + b]
    o = o + b
    starts = p[o:o + b]
    o = o + b
    cur = p[o:o + b]
    o = o + b
    first = p[o - b:o]
    budgets = p[o:o + b]
    o = o + b
    eos = p[o:o + ne]
    o = o + ne
    du = torch.zeros([1], dtype=7, device=dev)
    ru = torch.zeros([1], dtype=7, device=dev)
    if sampling:
      du = self.uniforms(p[o:o + b * dmax], dev).view([b, dmax])
      o = o + b * dmax
      ru = self.uniforms(p[o:o + b * (dmax + 1)], dev).view([b, dmax + 1])
      o = o + b * (dmax + 1)
    drafting = annotate(List[bool], [])
    drafts = annotate(List[List[int]], [])
    active = 0
    for i in range(b):
      drafting.append(budgets[i] > 0)
      drafts.append(annotate(List[int], []))
      if budgets[i] > 0:
        active = active + 1
    steps = 0
    while active > 0:
      pos = annotate(List[int], [])
      for i in range(b):
        pos.append(starts[i] + steps)
      h = torch.type_as(torch.embedding(w[0], torch.tensor(cur, dtype=4, device=dev).view([b, 1])), w[1])
      h = self.run_layers(w, pq, kv, cfg, eps, rows, pos, 1, 0, E, h, True, allrows)
      logits = self.head(h, w, pq, cfg, eps).view([b, V])
      m, a = torch.max(logits, -1)
      if not bool(torch.all(torch.isfinite(m))):
        return annotate(List[float], [1.0])
      if sampling:
        q = self.probs(logits, cfg, fc)
        kv[2 * L + 1].narrow(0, 0, b).select(1, steps).copy_(q)
        a = self.draw(q, du.select(1, steps))
      ids = annotate(List[int], a.tolist())
      conf = annotate(List[float], [])
      if thr > 0.0:
        conf = annotate(List[float], torch.amax(torch.softmax(logits, -1), [-1]).to(7).tolist())
      for i in range(b):
        if drafting[i]:
          d = ids[i]
          drafts[i].append(d)
          cur[i] = d
          stop = d in eos or len(drafts[i]) >= budgets[i]
          if thr > 0.0:
            if conf[i] < thr:
              stop = True
          if stop:
            drafting[i] = False
            active = active - 1
      steps = steps + 1
    n1 = steps + 1
    if reuse:
      pos = annotate(List[int], [])
      for i in range(b):
        pos.append(starts[i] + steps)
      h = torch.type_as(torch.embedding(w[0], torch.tensor(cur, dtype=4, device=dev).view([b, 1])), w[1])
      self.run_layers(w, pq, kv, cfg, eps, rows, pos, 1, 0, E, h, True, allrows)
      h = self.exit_states(kv, cfg, rows, starts, n1)
      h = self.run_layers(w, pq, kv, cfg, eps, rows, starts, n1, E, L, h, False, allrows)
    else:
      seq = annotate(List[int], [])
      for i in range(b):
        seq.append(first[i])
        for j in range(steps):
          if j < len(drafts[i]):
            seq.append(drafts[i][j])
          else:
            seq.append(cur[i])
      h = torch.type_as(torch.embedding(w[0], torch.tensor(seq, dtype=4, device=dev).view([b, n1])), w[1])
      h = self.run_layers(w, pq, kv, cfg, eps, rows, starts, n1, 0, L, h, False, allrows)
    logits = self.head(h, w, pq, cfg, eps)
    m, a = torch.max(logits, -1)
    if not bool(torch.all(torch.isfinite(m))):
      return annotate(List[float], [1.0])
    res = annotate(List[float], [0.0, float(steps)])
    padded = annotate(List[int], [])
    counts = annotate(List[int], [])
    for i in range(b):
      counts.append(len(drafts[i]))
      for j in range(steps):
        if j < len(drafts[i]):
          padded.append(drafts[i][j])
        else:
          padded.append(0)
    if sampling:
      P = self.probs(logits.view([b * n1, V]), cfg, fc).view([b, n1, V])
      D = P
      tgt = torch.zeros([b, 0], dtype=7, device=dev)
      prop = torch.zeros([b, 0], dtype=7, device=dev)
      if steps > 0:
        dr = torch.tensor(padded, dtype=4, device=dev).view([b, steps, 1])
        Q = kv[2 * L + 1].narrow(0, 0, b).narrow(1, 0, steps)
        Ps = P.narrow(1, 0, steps)
        tgt = torch.gather(Ps, 2, dr).view([b, steps])
        prop = torch.gather(Q, 2, dr).view([b, steps])
        R = torch.relu(torch.sub(Ps, Q))
        tot = torch.sum(R, [-1], True)
        R = torch.where(torch.gt(tot, 0.0), torch.div(R, tot), Ps)
        k = torch.tensor(counts, dtype=4, device=dev).view([b, 1])
        isdraft = torch.lt(torch.arange(steps, device=dev).view([1, steps]), k).unsqueeze(-1)
        D = torch.cat([torch.where(isdraft, R, Ps), P.narrow(1, steps, 1)], 1)
      a = self.draw(D.view([b * n1, V]), ru.narrow(1, 0, n1).reshape([b * n1])).view([b, n1])
      for i in range(b):
        res.append(float(counts[i]))
      res = res + [float(x) for x in padded]
      res = res + annotate(List[float], a.to(7).view([-1]).tolist())
      res = res + annotate(List[float], tgt.view([-1]).tolist())
      res = res + annotate(List[float], prop.view([-1]).tolist())
    else:
      for i in range(b):
        res.append(float(counts[i]))
      res = res + [float(x) for x in padded]
      res = res + annotate(List[float], a.to(7).view([-1]).tolist())
    return res
