package flow

import "go.yaml.in/yaml/v3"

// KeyValue is one key of a YAML mapping and its value.
type KeyValue struct {
	Key, Value *yaml.Node
}

// Keys reads a YAML mapping whose keys must be among allowed, the way flow
// files are read, for the other files pilot teams write (scenario tests):
// a key written twice is reported, and so is an unknown key, with the
// allowed key it most likely means ("did you mean"), as which it is then
// read so that one typo gives one message. what names the mapping in
// messages ("a scenario").
func Keys(file string, n *yaml.Node, what string, allowed []string) (map[string]KeyValue, Diagnostics) {
	r := &reporter{file: file}
	m := r.mapping(n, what, allowed, nil)
	out := make(map[string]KeyValue, len(m))
	for k, p := range m {
		out[k] = KeyValue{Key: p.key, Value: p.val}
	}
	return out, r.diags
}

// Suggest returns the candidate closest to word when it is close enough to
// be a typo of it, or "".
func Suggest(word string, candidates []string) string {
	return nearest(word, candidates)
}
