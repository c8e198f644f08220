using Google.Protobuf;
using Onnx;

namespace TvRelu.Cli.Onnx;

/// <summary>
/// A trained or solved network as a standard ONNX graph in double precision:
/// f = MatMul(Relu(Gemm(x, W, b)), c), with x of shape [N, d], W [d, m], b [m], c [m, 1] and f of shape [N, 1],
/// i.e. f(x) = Σ_j c_j max(⟨w_j, x⟩ + b_j, 0) (THEORY.md §1). Opset 13 of the default domain: every
/// operator used (Gemm, Relu, MatMul) accepts tensor(double) there, and onnxruntime and PyTorch load it.
/// </summary>
internal static class OnnxExport
{
    /// <summary>The default-domain opset: 13 is the first in which Relu takes double.</summary>
    internal const long Opset = 13;

    /// <summary>IR version 8 (ONNX 1.10): old enough for every current runtime, new enough for opset 13.</summary>
    internal const long IrVersion = 8;

    internal const string Input = "x";
    internal const string Output = "f";

    /// <summary>The model of <paramref name="network"/> on inputs of dimension <paramref name="d"/>.</summary>
    internal static ModelProto Model(TrainedNetwork network, int d, string description)
    {
        var m = network.Width;
        var weights = Tensor("W", [d, m], Enumerable.Range(0, d).SelectMany(k => network.Neurons.Select(n => n.InputWeights[k])));
        var biases = Tensor("b", [m], network.Neurons.Select(n => n.Bias));
        var outputs = Tensor("c", [m, 1], network.Neurons.Select(n => n.OutputWeight));
        var graph = new GraphProto
        {
            Name = "tvrelu",
            DocString = "f(x) = Σ_j c_j max(⟨w_j, x⟩ + b_j, 0): a two-layer ReLU network of width " + m + ". " + description,
            Input = { Value(Input, "N", d) },
            Output = { Value(Output, "N", 1) },
            Initializer = { weights, biases, outputs },
            Node =
            {
                new NodeProto
                {
                    OpType = "Gemm", Name = "hidden", Input = { Input, "W", "b" }, Output = { "z" },
                    Attribute =
                    {
                        new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, F = 1f },
                        new AttributeProto { Name = "beta", Type = AttributeProto.Types.AttributeType.Float, F = 1f },
                    },
                },
                new NodeProto { OpType = "Relu", Name = "relu", Input = { "z" }, Output = { "h" } },
                new NodeProto { OpType = "MatMul", Name = "readout", Input = { "h", "c" }, Output = { Output } },
            },
        };
        return new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "tvrelu",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "",
            DocString = description,
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = Opset } },
            Graph = graph,
        };
    }

    /// <summary>Writes the model's protobuf encoding to <paramref name="path"/>.</summary>
    internal static void Write(ModelProto model, string path)
    {
        using var file = File.Create(path);
        model.WriteTo(file);
    }

    private static TensorProto Tensor(string name, long[] shape, IEnumerable<double> values) => new()
    {
        Name = name,
        DataType = (int)TensorProto.Types.DataType.Double,
        Dims = { shape },
        DoubleData = { values },
    };

    /// <summary>A double tensor of shape [rows, columns] with a symbolic number of rows.</summary>
    private static ValueInfoProto Value(string name, string rows, long columns) => new()
    {
        Name = name,
        Type = new TypeProto
        {
            TensorType = new TypeProto.Types.Tensor
            {
                ElemType = (int)TensorProto.Types.DataType.Double,
                Shape = new TensorShapeProto
                {
                    Dim =
                    {
                        new TensorShapeProto.Types.Dimension { DimParam = rows },
                        new TensorShapeProto.Types.Dimension { DimValue = columns },
                    },
                },
            },
        },
    };
}
