using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace TvRelu.Tests;

/// <summary>
/// `tvrelu export --onnx`: the file is a standard ONNX graph (Gemm, Relu, MatMul; opset ≥ 13; double), and
/// onnxruntime running it reproduces `tvrelu predict` to 1e-12 relative.
/// </summary>
public sealed class OnnxExportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tvrelu-onnx-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Temp(string name) => Path.Combine(_dir, name);

    [Theory]
    [InlineData("r1_kink_1d.csv", "solve")]
    [InlineData("r3_teacher_2d.csv", "solve")]
    [InlineData("r5_random_3d.csv", "solve")]
    [InlineData("r1_kink_1d.csv", "train")]
    [InlineData("r4_collinear_2d.csv", "weighted")]
    public void OnnxRuntimeReproducesPredict(string file, string source)
    {
        var data = ReferenceData.PathOf(file);
        string[] make = source switch
        {
            "train" => ["train", "--data", data, "--lambda", "0.01", "--width", "40", "--epochs", "300", "--seed", "5"],
            "weighted" => ["solve", "--data", data, "--lambda", "0.02", "--weighted"],
            _ => ["solve", "--data", data, "--lambda", "0.01"],
        };
        Assert.Equal(0, CliTests.Run([.. make, "--out", Temp("model.json")]).Code);
        var d = ReferenceData.Problem(file).Dimension;
        // Inputs well outside the data too, where every neuron's sign can differ from the data's.
        var random = new Random(11);
        var inputs = Enumerable.Range(0, 64).Select(_ => Enumerable.Range(0, d).Select(_ => 6 * random.NextDouble() - 3).ToArray()).ToArray();
        File.WriteAllText(Temp("x.csv"), string.Join("\n", inputs.Select(r => string.Join(",", r.Select(v => v.ToString("R", CultureInfo.InvariantCulture))))) + "\n");

        var (code, stdout, err) = CliTests.Run("export", "--model", Temp("model.json"), "--onnx", Temp("net.onnx"));
        Assert.True(code == 0, err);
        Assert.Contains("opset 13", stdout);
        Assert.Equal(0, CliTests.Run("predict", "--model", Temp("model.json"), "--data", Temp("x.csv"), "--out", Temp("p.csv")).Code);
        var predicted = File.ReadAllLines(Temp("p.csv")).Skip(1).Select(l => double.Parse(l.Split(',')[^1], CultureInfo.InvariantCulture)).ToArray();

        using var session = new InferenceSession(Temp("net.onnx"));
        var x = new DenseTensor<double>(inputs.SelectMany(r => r).ToArray(), [inputs.Length, d]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", x)]);
        var f = results.Single().AsTensor<double>();

        Assert.Equal(new[] { inputs.Length, 1 }, f.Dimensions.ToArray());
        var scale = Math.Max(predicted.Max(Math.Abs), 1e-300);
        for (var i = 0; i < inputs.Length; i++)
        {
            Assert.True(Math.Abs(f[i, 0] - predicted[i]) <= 1e-12 * Math.Max(Math.Abs(predicted[i]), scale), $"row {i}: onnxruntime {f[i, 0]:R} vs predict {predicted[i]:R}");
        }
    }

    [Fact]
    public void TheGraphIsGemmReluMatMulAtOpset13InDouble()
    {
        Assert.Equal(0, CliTests.Run("solve", "--data", ReferenceData.PathOf("r3_teacher_2d.csv"), "--lambda", "0.01", "--out", Temp("s.json")).Code);
        Assert.Equal(0, CliTests.Run("export", "--model", Temp("s.json"), "--onnx", Temp("net.onnx")).Code);

        var model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(Temp("net.onnx")));

        Assert.Equal(new[] { "Gemm", "Relu", "MatMul" }, model.Graph.Node.Select(n => n.OpType).ToArray());
        var opset = Assert.Single(model.OpsetImport);
        Assert.Equal("", opset.Domain);
        Assert.True(opset.Version >= 13);
        Assert.All(model.Graph.Initializer, t => Assert.Equal((int)Onnx.TensorProto.Types.DataType.Double, t.DataType));
        var input = Assert.Single(model.Graph.Input);
        Assert.Equal((int)Onnx.TensorProto.Types.DataType.Double, input.Type.TensorType.ElemType);
        Assert.Equal(2, input.Type.TensorType.Shape.Dim[1].DimValue);
        using var session = new InferenceSession(Temp("net.onnx"));
        Assert.Equal(typeof(double), session.InputMetadata["x"].ElementType);
    }

    [Fact]
    public void ExportToAMissingDirectoryIsBadInput()
    {
        File.WriteAllText(Temp("m.json"), """{"atoms": [{"direction": [1, 0], "amplitude": 1}]}""");

        var (code, _, err) = CliTests.Run("export", "--model", Temp("m.json"), "--onnx", "/no/such/dir/net.onnx");

        Assert.Equal(Cli.Cli.BadInput, code);
        Assert.Contains("does not exist", err);
    }
}
