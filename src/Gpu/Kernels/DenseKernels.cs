using ILGPU;

namespace SpikeLfp.Gpu.Kernels;

/// <summary>
/// Shape and strides of one product C[m, n] (+)= sum_k A(m, k) B(k, n). A(m, k) lives at
/// a[m * ARow + k * ACol] and B(k, n) at b[k * BRow + n * BCol], so one kernel serves X W, rho W^T and X^T rho;
/// C(m, n) is at c[m * CRow + n] (CRow = N: row-major [M, N]; more: one step's rows of a [sample, step, neuron] array).
/// <see cref="Accumulate"/> != 0 starts from C (a broadcast bias), else from 0.
/// </summary>
internal readonly record struct ProductShape(int M, int N, int K, int ARow, int ACol, int BRow, int BCol, int CRow, int Accumulate);

/// <summary>The dense product of the device backend: tiled in shared memory, summed in ascending k.</summary>
internal static class DenseKernels
{
    /// <summary>Tile edge; a group is Tile x Tile threads.</summary>
    public const int Tile = 16;

    /// <summary>
    /// C[m, n] = C0 + sum_k A(m, k) B(k, n) with the sum in ascending k, one fused multiply-add per non-zero A(m, k)
    /// (zero entries are skipped): for spike inputs that is the CPU's event-driven row sum, for analog inputs its
    /// FMA chain, so currents and feedback agree with the CPU backend bit for bit. Group (tx, ty) computes
    /// C[Grid.Y * Tile + ty, Grid.X * Tile + tx]; both tiles are loaded along the operand's contiguous axis.
    /// </summary>
    public static void Product<TMath>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ProductShape s) where TMath : struct, IMultiplyAdd
    {
        var tileA = SharedMemory.Allocate<float>(Tile * Tile); // [m, k]
        var tileB = SharedMemory.Allocate<float>(Tile * Tile); // [k, n]
        int tx = Group.IdxX, ty = Group.IdxY;
        int m0 = Grid.IdxY * Tile, n0 = Grid.IdxX * Tile;
        int row = m0 + ty, col = n0 + tx;
        bool inside = row < s.M && col < s.N;
        float acc = inside && s.Accumulate != 0 ? c[(long)row * s.CRow + col] : 0f;
        for (int k0 = 0; k0 < s.K; k0 += Tile)
        {
            // A: contiguous along k (ACol == 1) -> thread tx walks k; otherwise along m -> thread tx walks m.
            int am = s.ACol == 1 ? m0 + ty : m0 + tx, ak = s.ACol == 1 ? k0 + tx : k0 + ty;
            float av = am < s.M && ak < s.K ? a[(long)am * s.ARow + (long)ak * s.ACol] : 0f;
            tileA[(am - m0) * Tile + (ak - k0)] = av;
            // B: contiguous along n (BCol == 1) -> thread tx walks n; otherwise along k -> thread tx walks k.
            int bk = s.BCol == 1 ? k0 + ty : k0 + tx, bn = s.BCol == 1 ? n0 + tx : n0 + ty;
            float bv = bk < s.K && bn < s.N ? b[(long)bk * s.BRow + (long)bn * s.BCol] : 0f;
            tileB[(bk - k0) * Tile + (bn - n0)] = bv;
            Group.Barrier();
            int kEnd = s.K - k0 < Tile ? s.K - k0 : Tile;
            for (int k = 0; k < kEnd; k++)
            {
                float x = tileA[ty * Tile + k];
                if (x != 0f) acc = default(TMath).Apply(x, tileB[k * Tile + tx], acc);
            }
            Group.Barrier();
        }
        if (inside) c[(long)row * s.CRow + col] = acc;
    }
}
