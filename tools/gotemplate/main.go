// Command gotemplate renders Go templates the way Argo CD's ApplicationSet controller does with
// goTemplate: true and goTemplateOptions: ["missingkey=error"]: text/template with sprig's
// function map minus env, expandenv and getHostByName, executed against a map of JSON values.
// It is ferry's reference engine for the conformance tests (test/conformance).
//
// stdin:  [{"template": "...", "params": {...}}, ...]
// stdout: [{"output": "..."} | {"error": "..."}, ...] in the same order
//
// Build offline against Debian's golang-github-masterminds-sprig-dev in GOPATH mode:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOPROXY=off go build -o gotemplate .
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"text/template"

	// GOPATH mode has no /v3 directory; Debian ships sprig v3 at the unversioned path.
	"github.com/Masterminds/sprig"
)

type testCase struct {
	Template string `json:"template"`
	// Decoded into interface{} values (numbers as float64), as Argo CD decodes generator parameters.
	Params map[string]interface{} `json:"params"`
}

type result struct {
	Output *string `json:"output,omitempty"`
	Error  *string `json:"error,omitempty"`
}

func funcs() template.FuncMap {
	m := sprig.TxtFuncMap()
	// Argo CD removes these so templates cannot read the controller's environment.
	delete(m, "env")
	delete(m, "expandenv")
	delete(m, "getHostByName")
	// Argo CD adds these; they are stubs here so templates using them parse as they do in Argo CD,
	// and fail when executed (ferry's evaluator refuses them anyway).
	for _, name := range []string{"normalize", "slugify", "toYaml", "fromYaml", "fromYamlArray"} {
		name := name
		m[name] = func(...interface{}) (string, error) {
			return "", errors.New(name + " is an Argo CD function the conformance tool does not implement")
		}
	}
	return m
}

func render(fm template.FuncMap, c testCase) result {
	t, err := template.New("").Option("missingkey=error").Funcs(fm).Parse(c.Template)
	if err == nil {
		var out bytes.Buffer
		if err = t.Execute(&out, c.Params); err == nil {
			s := out.String()
			return result{Output: &s}
		}
	}
	msg := err.Error()
	return result{Error: &msg}
}

func main() {
	var cases []testCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		fmt.Fprintln(os.Stderr, "gotemplate: reading cases from stdin:", err)
		os.Exit(2)
	}
	fm := funcs()
	results := make([]result, len(cases))
	for i, c := range cases {
		results[i] = render(fm, c)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, "gotemplate: writing results:", err)
		os.Exit(2)
	}
}
