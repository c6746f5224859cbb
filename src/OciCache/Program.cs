return await OciCache.Cli.CommandLine.InvokeAsync(args);
