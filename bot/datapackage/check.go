package datapackage

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/cosie/cosiebot/bot"
)

// maxErrors bounds the problems Check reports per file.
const maxErrors = 20

var namePattern = regexp.MustCompile(`^[-a-z0-9._/]+$`)

// Check reads the data package in dir and checks every CSV against its
// Table Schema: the header names the fields in order, every value has its
// field's type, enums, bounds and required fields hold, primary keys and
// unique fields are unique, and foreign keys point at existing rows. It
// reports every problem it finds (up to 20 per file) with file and line.
func Check(dir string) error {
	raw, err := os.ReadFile(filepath.Join(dir, DescriptorFile))
	if err != nil {
		return fmt.Errorf("check data package: %w", err)
	}
	var p Package
	if err := json.Unmarshal(raw, &p); err != nil {
		return fmt.Errorf("check data package: %s: %w", DescriptorFile, err)
	}
	var errs []error
	if !namePattern.MatchString(p.Name) {
		errs = append(errs, fmt.Errorf("%s: package name %q: use lower-case a-z, 0-9, -, ., _ or /", DescriptorFile, p.Name))
	}
	tables := map[string]*table{}
	for _, r := range p.Resources {
		t, err := readTable(dir, r)
		if err != nil {
			errs = append(errs, err)
		}
		if t != nil {
			tables[r.Name] = t
		}
	}
	for _, r := range p.Resources {
		if t := tables[r.Name]; t != nil {
			errs = append(errs, t.checkKeys(tables)...)
		}
	}
	return errors.Join(errs...)
}

// table is one CSV file read against its schema.
type table struct {
	r    Resource
	rows [][]string
	col  map[string]int
}

func readTable(dir string, r Resource) (*table, error) {
	f, err := os.Open(filepath.Join(dir, r.Path))
	if err != nil {
		return nil, fmt.Errorf("resource %s: %w", r.Name, err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Path, err)
	}
	t := &table{r: r, col: map[string]int{}}
	var errs []error
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: no header", r.Path)
	}
	for i, fd := range r.Schema.Fields {
		t.col[fd.Name] = i
		if i >= len(recs[0]) || recs[0][i] != fd.Name {
			errs = append(errs, fmt.Errorf("%s: header column %d should be %q, as in the schema", r.Path, i+1, fd.Name))
		}
	}
	if len(recs[0]) != len(r.Schema.Fields) {
		errs = append(errs, fmt.Errorf("%s: the header has %d columns, the schema %d fields", r.Path, len(recs[0]), len(r.Schema.Fields)))
	}
	t.rows = recs[1:]
	for i, row := range t.rows {
		for j, fd := range r.Schema.Fields {
			if j >= len(row) {
				break
			}
			if err := t.checkValue(fd, row[j]); err != nil && len(errs) < maxErrors {
				errs = append(errs, fmt.Errorf("%s:%d: %s: %w", r.Path, i+2, fd.Name, err))
			}
		}
	}
	return t, errors.Join(errs...)
}

func (t *table) missing(v string) bool { return slices.Contains(t.r.Schema.MissingValues, v) }

func (t *table) checkValue(fd Field, v string) error {
	c := fd.Constraints
	if c == nil {
		c = &Constraints{}
	}
	if t.missing(v) {
		if c.Required {
			return errors.New("a value is required")
		}
		return nil
	}
	x, err := cast(fd, v)
	if err != nil {
		return err
	}
	if c.Enum != nil && !slices.ContainsFunc(c.Enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(x) }) {
		return fmt.Errorf("%q is not one of %v", v, c.Enum)
	}
	if f, ok := x.(float64); ok {
		if c.Minimum != nil && f < *c.Minimum || c.Maximum != nil && f > *c.Maximum {
			return fmt.Errorf("%v is out of bounds", v)
		}
	}
	return nil
}

// cast reads a value as its field's type: integers and numbers as
// float64 (an integer enum compares as 1, not 1.0), the rest as given.
func cast(fd Field, v string) (any, error) {
	switch fd.Type {
	case "string":
		return v, nil
	case "integer":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", v)
		}
		return float64(n), nil
	case "number":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("%q is not a number", v)
		}
		return f, nil
	case "boolean":
		if v != "true" && v != "false" {
			return nil, fmt.Errorf("%q is not true or false", v)
		}
		return v, nil
	case "datetime":
		if _, err := time.Parse(bot.DateTime, v); err != nil {
			return nil, fmt.Errorf("%q is not a UTC time like 2026-03-02T08:00:00Z", v)
		}
		return v, nil
	}
	return nil, fmt.Errorf("unknown type %q", fd.Type)
}

// checkKeys checks primary keys, unique fields and foreign keys.
func (t *table) checkKeys(tables map[string]*table) []error {
	var errs []error
	unique := func(cols []string, what string) {
		seen := map[string]int{}
		for i, row := range t.rows {
			key := ""
			for _, c := range cols {
				key += row[t.col[c]] + "\x00"
			}
			if prev, dup := seen[key]; dup && len(errs) < maxErrors {
				errs = append(errs, fmt.Errorf("%s:%d: %s repeats line %d", t.r.Path, i+2, what, prev))
			}
			seen[key] = i + 2
		}
	}
	if len(t.r.Schema.PrimaryKey) > 0 {
		unique(t.r.Schema.PrimaryKey, "the primary key")
	}
	for _, fd := range t.r.Schema.Fields {
		if fd.Constraints != nil && fd.Constraints.Unique {
			unique([]string{fd.Name}, fd.Name)
		}
	}
	for _, fk := range t.r.Schema.ForeignKeys {
		other := tables[fk.Reference.Resource]
		if fk.Reference.Resource == "" {
			other = t
		}
		if other == nil {
			errs = append(errs, fmt.Errorf("%s: foreign key %s: no resource %q", t.r.Path, fk.Fields, fk.Reference.Resource))
			continue
		}
		have := map[string]bool{}
		for _, row := range other.rows {
			have[row[other.col[fk.Reference.Fields]]] = true
		}
		for i, row := range t.rows {
			if v := row[t.col[fk.Fields]]; !t.missing(v) && !have[v] && len(errs) < maxErrors {
				errs = append(errs, fmt.Errorf("%s:%d: %s %q is not in %s", t.r.Path, i+2, fk.Fields, v, other.r.Path))
			}
		}
	}
	return errs
}
