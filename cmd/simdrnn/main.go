// Command simdrnn inspects, runs and benchmarks a recurrent network saved
// as safetensors (the state_dict that export/simdrnn_export.py writes, or
// cells.Network.SaveSafetensors): an optional embedding, an LSTM, GRU or
// RNN, an optional linear head.
//
//	simdrnn inspect [flags] MODEL
//	simdrnn run [flags] -model MODEL -in X.npy -out Y.npy
//	simdrnn bench [flags] MODEL
//
// inspect prints the network found in the file (modules, sizes, precision,
// activation, head input), every tensor with its dtype, shape and bytes,
// the number of parameters and the bytes a batch-1 step streams at each
// precision. run reads X.npy, float32 [T, B, I] time-major, or int64 token
// ids [T, B] for a network with an embedding, and writes Y.npy, float32
// [T, B, O] (or [B, O] for a network whose head reads the final state).
// bench measures the latency of one step at every kernel level and
// precision, its allocations and the throughput at batch 1 and 8.
//
// Run "simdrnn COMMAND -h" for a command's flags. The exit status is 0 on
// success, 1 when the command fails and 2 for a usage error.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// usageErr is an error of the command line: it is printed with a pointer
// to the command's help and exits with exitUsage.
// When printed is set, the flag package has printed it and the help.
type usageErr struct {
	msg     string
	printed bool
}

func (e *usageErr) Error() string { return e.msg }

// command is one subcommand: its name, a one-line summary and its entry,
// which gets the arguments after the name.
type command struct {
	name, args, summary string
	run                 func(args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"inspect", "[flags] MODEL", "print the network in a safetensors file: modules, tensors, parameters, bytes per step", inspectCommand},
	{"run", "[flags] -model MODEL -in X.npy -out Y.npy", "run the network over X.npy and write its outputs to Y.npy", runCommand},
	{"bench", "[flags] MODEL", "measure the latency of one step per kernel level and precision, allocations and throughput", benchCommand},
}

// run runs the command line args (without the program's name) and returns
// the exit status; it writes results to stdout and messages to stderr.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(args[1:], stdout, stderr)
		var bad *usageErr
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &bad) && bad.printed:
			return exitUsage
		case errors.As(err, &bad):
			fmt.Fprintf(stderr, "simdrnn %s: %v\nRun 'simdrnn %s -h' for its flags.\n", c.name, err, c.name)
			return exitUsage
		default:
			fmt.Fprintf(stderr, "simdrnn %s: %v\n", c.name, err)
			return exitFail
		}
	}
	fmt.Fprintf(stderr, "simdrnn: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

// usage prints the commands.
func usage(w io.Writer) {
	fmt.Fprintf(w, "simdrnn inspects, runs and benchmarks a recurrent network saved as safetensors.\n\nUsage:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  simdrnn %s %s\n        %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'simdrnn COMMAND -h' for a command's flags.\n")
}

// usageError returns an error of the command line, printed with a pointer
// to the command's help.
func usageError(format string, args ...any) error {
	return &usageErr{msg: fmt.Sprintf(format, args...)}
}

// newFlagSet returns a flag set for the command that writes its help to
// stderr, with the command's synopsis and description above the flags.
func newFlagSet(name, synopsis, description string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("simdrnn "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: simdrnn %s %s\n\n%s\nFlags:\n", name, synopsis, description)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs; a flag error is a usage error (the flag
// package has printed it and the help already).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageErr{msg: err.Error(), printed: true}
	}
	return nil
}

// writeJSON writes v to w as one indented JSON document (-json).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
