package callgraph

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"hpp/internal/profile"
	"hpp/internal/pstats"
)

// profileScript runs src under Debian's python3 cProfile and reads the result.
func profileScript(t *testing.T, src string) *profile.Profile {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "w.py")
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "w.prof")
	cmd := exec.Command("python3", "-m", "cProfile", "-o", out, script)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("python3 -m cProfile: %v\n%s", err, b)
	}
	p, err := pstats.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const workload = `
import json, decimal, fractions   # imports make a cycle through exec

def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

def a(n):
    return b(n - 1) if n > 0 else 0

def b(n):
    return a(n - 1) + 1 if n > 0 else 0

def work():
    s = 0
    for i in range(22):
        s += fib(i)
    for i in range(300):
        s += a(50)
    json.dumps([str(x) for x in range(20000)])
    return s

work()
`

func checkTree(t *testing.T, p *profile.Profile, root *Node) {
	t.Helper()
	if math.Abs(root.Value-p.TotalTT) > 1e-9*math.Max(1, p.TotalTT) {
		t.Errorf("root value %g, profile total %g", root.Value, p.TotalTT)
	}
	n := 0
	var check func(n0 *Node)
	check = func(nd *Node) {
		n++
		var sum float64
		for _, c := range nd.Children {
			if c.Value > nd.Value*(1+1e-12) {
				t.Fatalf("child %v (%g) larger than parent %v (%g)", p.Funcs[c.Func].Func, c.Value, nd.Func, nd.Value)
			}
			sum += c.Value
			check(c)
		}
		if d := nd.Value - (sum + nd.Self); math.Abs(d) > 1e-9*math.Max(nd.Value, 1e-9) {
			t.Fatalf("node %d: value %g != children %g + self %g", nd.Func, nd.Value, sum, nd.Self)
		}
	}
	check(root)
	if n < 5 {
		t.Fatalf("tree has only %d nodes", n)
	}
}

func TestEstimatedTreeFromRealProfile(t *testing.T) {
	p := profileScript(t, workload)
	e := NewEstimator(p)
	if len(e.Roots()) == 0 {
		t.Fatal("no roots: the exec cycle of imports hid the top level")
	}
	top := p.Funcs[e.Roots()[0].Func].Func
	if top.Name != "<built-in method builtins.exec>" {
		t.Errorf("largest root is %v, want builtins.exec", top)
	}
	root := e.Tree(Options{})
	checkTree(t, p, root)

	// work() must sit under <module> under exec, and fib under work with
	// about the share cProfile gives the work→fib edge.
	var found bool
	Walk(root, func(path []profile.FuncID, n *Node) {
		if len(path) >= 2 && p.Funcs[path[len(path)-1]].Name == "fib" && p.Funcs[path[len(path)-2]].Name == "work" {
			found = true
			for _, id := range path[:len(path)-1] {
				if p.Funcs[id].Name == "fib" {
					t.Errorf("recursion not folded: fib under fib in %v", path)
				}
			}
			if len(n.Children) != 0 {
				t.Errorf("fib has children %d (%v); recursion should be folded", len(n.Children), p.Funcs[n.Children[0].Func].Func)
			}
		}
	})
	if !found {
		t.Error("no work→fib path in the tree")
	}
}

func TestFromSamplesExact(t *testing.T) {
	s := &profile.SampleSet{Unit: "samples", Samples: []profile.Sample{
		{Stack: []profile.Frame{{Func: 2}, {Func: 1}, {Func: 0}}, Weight: 3},
		{Stack: []profile.Frame{{Func: 1}, {Func: 0}}, Weight: 1},
		{Stack: []profile.Frame{{Func: 2}, {Func: 0}}, Weight: 2},
	}}
	root := FromSamples(s)
	if root.Value != 6 || len(root.Children) != 1 {
		t.Fatalf("root %+v", root)
	}
	main := root.Children[0]
	if main.Func != 0 || main.Value != 6 || len(main.Children) != 2 {
		t.Fatalf("main %+v", main)
	}
	if c := main.Children[0]; c.Func != 1 || c.Value != 4 || c.Self != 1 || c.Children[0].Value != 3 {
		t.Errorf("first child %+v", c)
	}
	if c := main.Children[1]; c.Func != 2 || c.Value != 2 || c.Self != 2 {
		t.Errorf("second child %+v", c)
	}
}
