package po

import (
	"fmt"
	"strconv"
	"strings"
)

// PluralRule is a header's Plural-Forms: how many forms a language has and
// which one a number takes, as a C expression of n.
type PluralRule struct {
	N    int
	Expr string
	root expr
}

// Index is the form number n takes; a result out of range counts as the
// last form.
func (r *PluralRule) Index(n int64) int {
	i := r.root.eval(n)
	if i < 0 || i >= int64(r.N) {
		return r.N - 1
	}
	return int(i)
}

// String writes the rule as a Plural-Forms header value.
func (r *PluralRule) String() string {
	return fmt.Sprintf("nplurals=%d; plural=%s;", r.N, r.Expr)
}

// maxExpr bounds a plural expression, so that a broken header cannot make
// the parser recurse without end.
const maxExpr = 1000

// ParsePluralRule reads "nplurals=3; plural=(n==1 ? 0 : n<5 ? 1 : 2);".
func ParsePluralRule(s string) (*PluralRule, error) {
	r := &PluralRule{}
	for _, part := range strings.Split(s, ";") {
		name, value, ok := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		switch {
		case !ok && strings.TrimSpace(part) == "":
		case name == "nplurals":
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil || n < 1 || n > maxPlurals {
				return nil, fmt.Errorf("nplurals should be a number from 1 to %d, not %q", maxPlurals, strings.TrimSpace(value))
			}
			r.N = n
		case name == "plural":
			r.Expr = strings.TrimSpace(value)
		default:
			return nil, fmt.Errorf("Plural-Forms should look like \"nplurals=2; plural=(n != 1);\"")
		}
	}
	if r.N == 0 || r.Expr == "" {
		return nil, fmt.Errorf("Plural-Forms needs nplurals and plural, like \"nplurals=2; plural=(n != 1);\"")
	}
	if len(r.Expr) > maxExpr {
		return nil, fmt.Errorf("the plural expression is too long")
	}
	p := &exprParser{s: r.Expr}
	root, err := p.ternary(0)
	if err == nil && p.skip() < len(p.s) {
		err = fmt.Errorf("unexpected %q", p.s[p.i:])
	}
	if err != nil {
		return nil, fmt.Errorf("plural=%s: %w", r.Expr, err)
	}
	r.root = root
	return r, nil
}

// expr is a node of a plural expression.
type expr interface{ eval(n int64) int64 }

type (
	numExpr  int64
	varExpr  struct{}
	notExpr  struct{ x expr }
	condExpr struct{ c, a, b expr }
	binExpr  struct {
		op   string
		l, r expr
	}
)

func (e numExpr) eval(int64) int64   { return int64(e) }
func (varExpr) eval(n int64) int64   { return n }
func (e notExpr) eval(n int64) int64 { return b2i(e.x.eval(n) == 0) }
func (e condExpr) eval(n int64) int64 {
	if e.c.eval(n) != 0 {
		return e.a.eval(n)
	}
	return e.b.eval(n)
}

func (e binExpr) eval(n int64) int64 {
	l := e.l.eval(n)
	if e.op == "&&" && l == 0 || e.op == "||" && l != 0 {
		return b2i(l != 0)
	}
	r := e.r.eval(n)
	switch e.op {
	case "||", "&&":
		return b2i(r != 0)
	case "==":
		return b2i(l == r)
	case "!=":
		return b2i(l != r)
	case "<":
		return b2i(l < r)
	case ">":
		return b2i(l > r)
	case "<=":
		return b2i(l <= r)
	case ">=":
		return b2i(l >= r)
	case "+":
		return l + r
	case "-":
		return l - r
	case "*":
		return l * r
	case "/", "%":
		if r == 0 {
			return 0
		}
		if e.op == "/" {
			return l / r
		}
		return l % r
	}
	return 0
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// exprParser reads C expressions of n: ?:, ||, &&, == !=, < > <= >=,
// + -, * / %, !, parentheses and whole numbers.
type exprParser struct {
	s string
	i int
}

// levels are the binary operators by precedence, loosest first.
var levels = [][]string{{"||"}, {"&&"}, {"==", "!="}, {"<=", ">=", "<", ">"}, {"+", "-"}, {"*", "/", "%"}}

const maxDepth = 100

func (p *exprParser) skip() int {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
	return p.i
}

func (p *exprParser) eat(tok string) bool {
	p.skip()
	if strings.HasPrefix(p.s[p.i:], tok) {
		p.i += len(tok)
		return true
	}
	return false
}

func (p *exprParser) ternary(depth int) (expr, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("too deeply nested")
	}
	c, err := p.binary(0, depth)
	if err != nil || !p.eat("?") {
		return c, err
	}
	a, err := p.ternary(depth + 1)
	if err != nil {
		return nil, err
	}
	if !p.eat(":") {
		return nil, fmt.Errorf("a ? needs a : after it")
	}
	b, err := p.ternary(depth + 1)
	if err != nil {
		return nil, err
	}
	return condExpr{c, a, b}, nil
}

func (p *exprParser) binary(level, depth int) (expr, error) {
	if level == len(levels) {
		return p.unary(depth)
	}
	l, err := p.binary(level+1, depth)
	if err != nil {
		return nil, err
	}
	for {
		op := ""
		for _, o := range levels[level] {
			// "<" must not take the start of "<=", nor "!" of "!=" elsewhere.
			if p.eat(o) {
				op = o
				break
			}
		}
		if op == "" {
			return l, nil
		}
		r, err := p.binary(level+1, depth)
		if err != nil {
			return nil, err
		}
		l = binExpr{op, l, r}
	}
}

func (p *exprParser) unary(depth int) (expr, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("too deeply nested")
	}
	p.skip()
	switch {
	case p.i >= len(p.s):
		return nil, fmt.Errorf("the expression ends too early")
	case p.s[p.i] == '!' && !strings.HasPrefix(p.s[p.i:], "!="):
		p.i++
		x, err := p.unary(depth + 1)
		return notExpr{x}, err
	case p.s[p.i] == '-':
		p.i++
		x, err := p.unary(depth + 1)
		return binExpr{"-", numExpr(0), x}, err
	case p.s[p.i] == '(':
		p.i++
		x, err := p.ternary(depth + 1)
		if err == nil && !p.eat(")") {
			err = fmt.Errorf("a ( is not closed")
		}
		return x, err
	case p.s[p.i] == 'n':
		p.i++
		return varExpr{}, nil
	}
	j := p.i
	for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
		j++
	}
	v, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("unexpected %q", p.s[p.i:])
	}
	p.i = j
	return numExpr(v), nil
}
