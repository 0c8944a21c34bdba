using System.Diagnostics;
using System.Text;
using SpikeLfp.Network.Model;
using SpikeLfp.Neurons;

namespace SpikeLfp.Tests.Reliability;

/// <summary>
/// Thousands of random mutations of a valid model.json through <see cref="ModelFile.Parse"/>: every one loads or
/// fails with <see cref="InvalidModelException"/>, never with anything else, and the whole run is quick.
/// </summary>
public class ModelFileFuzzTests
{
    private const int Mutations = 6000;

    // Replacement values that stress types and ranges: wrong kinds, huge and tiny numbers, non-finite literals.
    private static readonly string[] Values =
    [
        "null", "true", "false", "0", "-1", "1", "2", "-0", "0.5", "1e400", "-1e400", "3.5e38", "1e-50", "NaN", "Infinity", "-Infinity",
        "99999999999999999999999999", "-99999999999999999999999", "2147483648", "1048577", "\"\"", "\"zero\"", "\"subtract\"",
        "\"dense-lif\"", "\"spikelfp-model\"", "[]", "[1,2]", "[[1]]", "{}", "{\"size\":2}", "[null]", "\"\\u0000\"",
    ];

    [Test]
    public void Every_mutation_of_a_model_file_loads_or_throws_InvalidModelException()
    {
        string valid = ModelFile.ToJson(SpikingNetwork.Create(NetworkSpec.Parse("3-2-2", LifParameters.Default), 7));
        Assert.That(() => ModelFile.Parse(valid, "valid"), Throws.Nothing);
        var random = new Random(12345);
        var clock = Stopwatch.StartNew();
        int loaded = 0, rejected = 0;
        for (int i = 0; i < Mutations; i++)
        {
            string text = Mutate(valid, random);
            try
            {
                ModelFile.Parse(text, "fuzz");
                loaded++;
            }
            catch (InvalidModelException e)
            {
                Assert.That(e.Message, Does.StartWith("fuzz"), "the message names the source");
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"mutation {i} threw {e.GetType().Name}: {e.Message}\n--- input ---\n{text}");
            }
        }
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)));
        Assert.That(rejected, Is.GreaterThan(Mutations / 4), "the mutations must actually break files");
        Assert.That(loaded, Is.GreaterThan(0), "some mutations (for example a changed weight) still load");
    }

    private static string Mutate(string text, Random random)
    {
        int rounds = 1 + random.Next(3);
        for (int r = 0; r < rounds && text.Length > 0; r++)
        {
            int at = random.Next(text.Length);
            switch (random.Next(8))
            {
                case 0: // flip one character to a random printable or structural one
                    const string alphabet = "{}[]:,\"-+.eE0123456789 \\ntfuxlaN";
                    text = text[..at] + alphabet[random.Next(alphabet.Length)] + text[(at + 1)..];
                    break;
                case 1: // delete a span
                    text = text.Remove(at, Math.Min(text.Length - at, 1 + random.Next(12)));
                    break;
                case 2: // truncate
                    text = text[..at];
                    break;
                case 3: // duplicate a span
                    int length = Math.Min(text.Length - at, 1 + random.Next(40));
                    text = text.Insert(at, text.Substring(at, length));
                    break;
                default: // replace one JSON value (the text after a ':' or inside an array) by a stressing value
                    text = ReplaceValue(text, random);
                    break;
            }
        }
        return text;
    }

    private static string ReplaceValue(string text, Random random)
    {
        // Positions right after ':', '[' or ',' start a value; pick one and replace up to the next delimiter.
        var starts = new List<int>();
        for (int i = 0; i < text.Length; i++) if (text[i] is ':' or '[' or ',') starts.Add(i + 1);
        if (starts.Count == 0) return text;
        int start = starts[random.Next(starts.Count)];
        while (start < text.Length && char.IsWhiteSpace(text[start])) start++;
        int end = start;
        if (end < text.Length && text[end] == '"') { end++; while (end < text.Length && text[end] != '"') end++; end = Math.Min(text.Length, end + 1); }
        else while (end < text.Length && text[end] is not (',' or ']' or '}' or '\n')) end++;
        var sb = new StringBuilder(text.Length + 16);
        sb.Append(text, 0, start).Append(Values[random.Next(Values.Length)]).Append(text, end, text.Length - end);
        return sb.ToString();
    }
}
