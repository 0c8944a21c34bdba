namespace SpikeLfp.Data;

/// <summary>The check every data file passes before it is opened.</summary>
internal static class DataFile
{
    /// <summary>
    /// Throws unless <paramref name="path"/> is a regular file with content: a FIFO would make open wait for a writer
    /// forever and a device (/dev/zero) never ends; both, like /proc files, report a length of 0, the one sign of them
    /// that every OS gives before open (N-MNIST recordings, which may hold no events, are not opened at length 0 instead). (The Network layer's InputFile makes the same check for models and checkpoints.)
    /// </summary>
    /// <exception cref="DatasetException">Missing, a folder, or empty or not a regular file.</exception>
    public static void CheckRegular(string path)
    {
        if (Directory.Exists(path)) throw new DatasetException($"{path}: is a folder, expected a file");
        var info = new FileInfo(path);
        if (!info.Exists) throw new DatasetException($"{path}: file not found");
        if (info.Length == 0) throw new DatasetException($"{path}: empty, or not a regular file (a pipe or a device)");
    }
}
