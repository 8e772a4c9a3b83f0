package datapackage

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/cosie/cosiebot/bot"
)

// Files are the names Write gives its files, besides one CSV per table.
const (
	DescriptorFile = "datapackage.json"
	CodebookFile   = "codebook.md"
)

// Describe builds the descriptor of a dataset.
func Describe(ds *bot.Dataset) Package {
	first := ds.Languages[0]
	p := Package{
		Profile: "tabular-data-package", Name: "cosie-" + ds.Pilot, Title: ds.Names[first], Titles: ds.Names,
		Created: ds.Created.Format(bot.DateTime), Languages: ds.Languages,
		Contributors: []Contributor{{Title: "cosiebot", Role: "author"}},
	}
	for _, t := range ds.Tables {
		r := Resource{
			Profile: "tabular-data-resource", Name: t.Name, Path: t.Name + ".csv", Format: "csv", MediaType: "text/csv",
			Encoding: "utf-8", Title: t.Titles[first], Description: t.Descriptions[first], Titles: t.Titles, Descriptions: t.Descriptions,
			Dialect: Dialect{Delimiter: ",", DoubleQuote: true, Header: true},
			Schema:  Schema{PrimaryKey: t.PrimaryKey, MissingValues: bot.MissingValues},
		}
		for _, f := range t.Fields {
			r.Schema.Fields = append(r.Schema.Fields, describeField(f, first))
		}
		for _, fk := range t.ForeignKeys {
			r.Schema.ForeignKeys = append(r.Schema.ForeignKeys, ForeignKey{Fields: fk.Field, Reference: Reference{Resource: fk.Table, Fields: fk.Reference}})
		}
		p.Resources = append(p.Resources, r)
	}
	return p
}

func describeField(f bot.Field, first string) Field {
	out := Field{Name: f.Name, Type: f.Type, Title: f.Titles[first], Description: f.Descriptions[first],
		Titles: f.Titles, Descriptions: f.Descriptions, Labels: f.Labels}
	if f.Type == "datetime" {
		out.Format = "default" // YYYY-MM-DDThh:mm:ssZ, UTC
	}
	c := Constraints{Required: f.Required, Unique: f.Unique, Minimum: f.Min, Maximum: f.Max}
	for _, code := range f.Enum {
		c.Enum = append(c.Enum, logical(f.Type, code))
	}
	if c.Required || c.Unique || c.Enum != nil || c.Minimum != nil || c.Maximum != nil {
		out.Constraints = &c
	}
	return out
}

// logical is a code as its field's type: the enum of an integer field
// lists numbers.
func logical(typ, code string) any {
	if typ == "integer" {
		if n, err := strconv.Atoi(code); err == nil {
			return n
		}
	}
	return code
}

// Write writes the data package of a dataset into dir (made if missing):
// datapackage.json, one CSV per table and the codebook. It returns the
// files written.
func Write(dir string, ds *bot.Dataset) ([]string, error) {
	if len(ds.Languages) == 0 {
		return nil, fmt.Errorf("data package of %s: the pilot has no languages", ds.Pilot)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("data package: %w", err)
	}
	p := Describe(ds)
	desc, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("data package: %w", err)
	}
	files := map[string][]byte{DescriptorFile: append(desc, '\n'), CodebookFile: []byte(Codebook(ds))}
	names := []string{DescriptorFile}
	for _, t := range ds.Tables {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		header := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			header[i] = f.Name
		}
		_ = w.Write(header) // a bytes.Buffer does not fail
		_ = w.WriteAll(t.Rows)
		files[t.Name+".csv"] = b.Bytes()
		names = append(names, t.Name+".csv")
	}
	names = append(names, CodebookFile)
	for _, name := range names {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return nil, fmt.Errorf("data package: %w", err)
		}
	}
	return names, nil
}
