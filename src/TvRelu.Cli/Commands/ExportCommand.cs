using System.CommandLine;
using TvRelu.Cli.Onnx;

namespace TvRelu.Cli.Commands;

/// <summary>`tvrelu export`: the network of a result file as a standard ONNX graph (double precision, opset 13).</summary>
internal static class ExportCommand
{
    internal static Command Create(CliContext context)
    {
        var model = new ModelInput();
        var onnx = new Option<string>("--onnx")
        {
            Description = "the ONNX file to write: input 'x' (double, [N, d]), output 'f' (double, [N, 1]); Gemm, Relu, MatMul at opset 13",
            Required = true,
        };
        var command = new Command("export", "Write the network of a solve, train, certify or path result as an ONNX model that onnxruntime and PyTorch load.")
        {
            model.Model, model.Entry, model.Lambda, onnx,
        };
        command.SetAction(Cli.Guarded(context, parsed =>
        {
            var network = model.Read(parsed);
            var path = Plotting.Plots.WritablePath(parsed.GetValue(onnx)!);
            var description = $"Exported by tvrelu from {Path.GetFileName(parsed.GetValue(model.Model))}: {network.Source}.";
            OnnxExport.Write(OnnxExport.Model(network.Network, network.Dimension, description), path);
            context.Output.WriteLine(
                $"wrote {parsed.GetValue(onnx)}: ONNX opset {OnnxExport.Opset}, input '{OnnxExport.Input}' [N, {network.Dimension}] double, output '{OnnxExport.Output}' [N, 1] double, {Output.Tables.Count(network.Network.Width, "neuron")}");
            return Cli.Success;
        }));
        return command;
    }
}
