using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using SpikeLfp.Gpu.Kernels;

namespace SpikeLfp.Gpu;

/// <summary>
/// The dense products of a spiking layer, C (+)= A B with row-major operands: currents X W, rewards handed down
/// rho W^T, feedback X^T rho, and per step of a recurrent layer s_{t-1} V and q_t V^T. The tiled kernel reproduces the CPU backend's sums exactly; cuBLAS (CUDA only,
/// when libcublas loads and <see cref="GpuBackendOptions.UseCuBlas"/> allows it) is faster on large layers and
/// agrees to float rounding, which can move a spike whose membrane sits within rounding of the threshold.
/// </summary>
internal sealed class DenseProducts : IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly CompiledKernels _kernels;
    private readonly CuBlas? _blas;

    public DenseProducts(Accelerator accelerator, CompiledKernels kernels, bool tryCuBlas)
    {
        _accelerator = accelerator;
        _kernels = kernels;
        if (tryCuBlas && accelerator is CudaAccelerator cuda)
        {
            try
            {
                _blas = new CuBlas(cuda) { Stream = (CudaStream)cuda.DefaultStream };
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or CuBlasException or TypeInitializationException or InvalidOperationException)
            {
                CuBlasUnavailableReason = e.Message;
            }
        }
    }

    /// <summary>True when products go through cuBLAS.</summary>
    public bool UsesCuBlas => _blas is not null;
    /// <summary>Why cuBLAS was asked for but not loaded (null otherwise).</summary>
    public string? CuBlasUnavailableReason { get; }

    /// <summary>C[M, N] (+)= A B for the shape's strides (one of A's and one of B's strides must be 1).</summary>
    public void Multiply(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ProductShape s)
    {
        if (s.M == 0 || s.N == 0) return;
        if (_blas is null)
        {
            int gridX = (s.N + DenseKernels.Tile - 1) / DenseKernels.Tile, gridY = (s.M + DenseKernels.Tile - 1) / DenseKernels.Tile;
            if (gridY > 65535) throw new NotSupportedException($"a product with {s.M} rows exceeds the grid limit; use a smaller batch or fewer steps.");
            _kernels.Product(new KernelConfig(new Index2D(gridX, gridY), new Index2D(DenseKernels.Tile, DenseKernels.Tile)), a, b, c, s);
            return;
        }
        // Row-major C = A B is column-major C^T = B^T A^T: cuBLAS computes an N x M result with ldc = CRow.
        var (opB, ldb) = s.BCol == 1 ? (CuBlasOperation.NonTranspose, s.BRow) : (CuBlasOperation.Transpose, s.BCol);
        var (opA, lda) = s.ACol == 1 ? (CuBlasOperation.NonTranspose, s.ARow) : (CuBlasOperation.Transpose, s.ACol);
        _blas.Gemm(opB, opA, s.N, s.M, s.K, 1f, b, ldb, a, lda, s.Accumulate != 0 ? 1f : 0f, c, s.CRow);
    }

    /// <summary>Row-major X[rows, inputs] W[inputs, outputs], accumulated onto C (which holds the bias).</summary>
    public static ProductShape Current(int rows, int inputs, int outputs) => new(rows, outputs, inputs, inputs, 1, outputs, 1, outputs, 1);

    /// <summary>rho[rows, outputs] W^T: the reward reaching each input, before the input mask.</summary>
    public static ProductShape RewardDown(int rows, int inputs, int outputs) => new(rows, inputs, outputs, outputs, 1, 1, outputs, inputs, 0);

    /// <summary>X^T[inputs, rows] rho[rows, outputs]: the feedback of every synapse, before |W|.</summary>
    public static ProductShape Feedback(int rows, int inputs, int outputs) => new(inputs, outputs, rows, 1, inputs, outputs, 1, outputs, 0);

    /// <summary>
    /// z_t += s_{t-1} V for one step of a recurrent layer: A is the spikes of step t-1 and C the currents of step t,
    /// one row per sample inside [sample, step, neuron] arrays (views starting at that step).
    /// </summary>
    public static ProductShape RecurrentCurrent(int batch, int steps, int size) => new(batch, size, size, steps * size, 1, size, 1, steps * size, 1);

    /// <summary>
    /// q_t V^T for one step of a recurrent layer: the reward the recurrent synapses hand to s_{t-1}, before the
    /// spike mask; A is q of step t inside [sample, step, neuron], C is [sample, neuron].
    /// </summary>
    public static ProductShape RecurrentRewardDown(int batch, int steps, int size) => new(batch, size, size, steps * size, 1, 1, size, size, 0);

    public void Dispose() => _blas?.Dispose();
}
