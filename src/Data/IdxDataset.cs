namespace SpikeLfp.Data;

/// <summary>
/// Loads a data set stored as the four standard MNIST IDX files in one folder:
/// <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c> and
/// <c>t10k-labels-idx1-ubyte</c>, each raw or gzip, optionally named with a ".gz" suffix.
/// </summary>
public static class IdxDataset
{
    /// <summary>File name (without ".gz") of the training images.</summary>
    public const string TrainImagesFile = "train-images-idx3-ubyte";

    /// <summary>File name (without ".gz") of the training labels.</summary>
    public const string TrainLabelsFile = "train-labels-idx1-ubyte";

    /// <summary>File name (without ".gz") of the test images.</summary>
    public const string TestImagesFile = "t10k-images-idx3-ubyte";

    /// <summary>File name (without ".gz") of the test labels.</summary>
    public const string TestLabelsFile = "t10k-labels-idx1-ubyte";

    /// <summary>The four standard file names, in the order train images, train labels, test images, test labels.</summary>
    public static IReadOnlyList<string> StandardFiles { get; } = [TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile];

    /// <summary>Highest label accepted in IDX label files: the MNIST family has ten classes.</summary>
    public const int MaxLabel = 9;

    /// <summary>
    /// Loads the four IDX files in <paramref name="folder"/>. When both <c>NAME</c> and <c>NAME.gz</c>
    /// exist the uncompressed one is used. Pixels p in 0..255 are scaled to <c>(p/255 - 0.5)/0.5</c>;
    /// the class count is the largest training label + 1 (at least 2), and every test label must be
    /// below it. Shape (1, rows, cols).
    /// </summary>
    /// <param name="folder">Folder holding the four files.</param>
    /// <param name="name">Name given to both data sets, for example "fashion-mnist".</param>
    /// <exception cref="DatasetException">A file is missing or malformed, or the files disagree.</exception>
    public static DatasetSplit LoadFolder(string folder, string name)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(name);
        string hint = FetchHint(name);
        if (!Directory.Exists(folder))
            throw new DatasetException($"{folder}: data set folder not found{hint}");
        if (!StandardFiles.Any(f => File.Exists(Path.Combine(folder, f)) || File.Exists(Path.Combine(folder, f + ".gz"))))
            throw new DatasetException($"{folder}: holds none of the IDX files {string.Join(", ", StandardFiles)} (each optionally .gz){hint}");

        string trainImagesPath = Locate(folder, TrainImagesFile, hint);
        string trainLabelsPath = Locate(folder, TrainLabelsFile, hint);
        string testImagesPath = Locate(folder, TestImagesFile, hint);
        string testLabelsPath = Locate(folder, TestLabelsFile, hint);

        var trainImages = IdxFormat.ReadImages(trainImagesPath);
        byte[] trainLabels = IdxFormat.ReadLabels(trainLabelsPath);
        CheckPair(trainImagesPath, trainImages.count, trainLabelsPath, trainLabels.Length);
        int maxTrainLabel = CheckLabels(trainLabelsPath, trainLabels, MaxLabel);
        int classCount = Math.Max(2, maxTrainLabel + 1);

        var testImages = IdxFormat.ReadImages(testImagesPath);
        byte[] testLabels = IdxFormat.ReadLabels(testLabelsPath);
        CheckPair(testImagesPath, testImages.count, testLabelsPath, testLabels.Length);
        if (testImages.rows != trainImages.rows || testImages.cols != trainImages.cols)
            throw new DatasetException($"{testImagesPath}: images are {testImages.rows}x{testImages.cols} but {trainImagesPath} has {trainImages.rows}x{trainImages.cols}");
        CheckLabels(testLabelsPath, testLabels, classCount - 1);

        var shape = new SampleShape(1, trainImages.rows, trainImages.cols);
        return new DatasetSplit(
            Build(name, trainImages.pixels, trainLabels, classCount, shape),
            Build(name, testImages.pixels, testLabels, classCount, shape));
    }

    /// <summary>Scales IDX pixels p in 0..255 to <c>(p/255 - 0.5)/0.5</c>, in [-1, 1].</summary>
    internal static float ScalePixel(byte p) => (p / 255f - 0.5f) / 0.5f;

    internal static string FetchHint(string name) =>
        name is "fashion-mnist" or "mnist" ? $"; run `spikelfp data fetch {name}` to download it" : "";

    private static string Locate(string folder, string file, string hint)
    {
        string raw = Path.Combine(folder, file);
        if (File.Exists(raw)) return raw;
        string gz = raw + ".gz";
        if (File.Exists(gz)) return gz;
        throw new DatasetException($"{raw}: file missing (nor {file}.gz){hint}");
    }

    private static void CheckPair(string imagesPath, int imageCount, string labelsPath, int labelCount)
    {
        if (imageCount != labelCount)
            throw new DatasetException($"{labelsPath}: holds {labelCount} labels but {imagesPath} holds {imageCount} images");
    }

    private static int CheckLabels(string path, byte[] labels, int maxLabel)
    {
        int max = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] > maxLabel)
                throw new DatasetException($"{path}: label {labels[i]} at index {i} is above {maxLabel}");
            max = Math.Max(max, labels[i]);
        }
        return max;
    }

    private static Dataset Build(string name, byte[] pixels, byte[] labels, int classCount, SampleShape shape)
    {
        var table = new float[256];
        for (int p = 0; p < 256; p++) table[p] = ScalePixel((byte)p);
        var features = GC.AllocateUninitializedArray<float>(pixels.Length);
        for (int i = 0; i < pixels.Length; i++) features[i] = table[pixels[i]];
        var intLabels = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++) intLabels[i] = labels[i];
        return new Dataset(name, features, intLabels, shape.Size, classCount, shape);
    }
}
