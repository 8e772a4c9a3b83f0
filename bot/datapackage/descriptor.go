// Package datapackage writes a pilot's dataset as a Frictionless Data
// Package (https://specs.frictionlessdata.io): datapackage.json with a Table
// Schema for every table, one CSV file per table and a codebook in
// Markdown, all from the same definitions (bot.Dataset). Check reads a
// package back and checks every CSV against its schema.
//
// Beyond the standard properties, fields carry titles and descriptions in
// each of the pilot's languages ("titles", "descriptions": language ->
// text) and the labels of their codes ("labels": code -> language ->
// label); the standard title and description are in the pilot's first
// language.
package datapackage

// Package is the descriptor, datapackage.json.
type Package struct {
	Profile      string            `json:"profile"`
	Name         string            `json:"name"`
	Title        string            `json:"title"`
	Titles       map[string]string `json:"titles,omitempty"`
	Description  string            `json:"description,omitempty"`
	Created      string            `json:"created"`
	Languages    []string          `json:"languages"`
	Contributors []Contributor     `json:"contributors,omitempty"`
	Resources    []Resource        `json:"resources"`
}

// Contributor names who made the package.
type Contributor struct {
	Title string `json:"title"`
	Role  string `json:"role"`
}

// Resource is one table: its CSV file and schema.
type Resource struct {
	Profile      string            `json:"profile"`
	Name         string            `json:"name"`
	Path         string            `json:"path"`
	Format       string            `json:"format"`
	MediaType    string            `json:"mediatype"`
	Encoding     string            `json:"encoding"`
	Title        string            `json:"title"`
	Description  string            `json:"description"`
	Titles       map[string]string `json:"titles,omitempty"`
	Descriptions map[string]string `json:"descriptions,omitempty"`
	Dialect      Dialect           `json:"dialect"`
	Schema       Schema            `json:"schema"`
}

// Dialect says how the CSV is written.
type Dialect struct {
	Delimiter   string `json:"delimiter"`
	DoubleQuote bool   `json:"doubleQuote"`
	Header      bool   `json:"header"`
}

// Schema is a Table Schema.
type Schema struct {
	Fields        []Field      `json:"fields"`
	PrimaryKey    []string     `json:"primaryKey,omitempty"`
	ForeignKeys   []ForeignKey `json:"foreignKeys,omitempty"`
	MissingValues []string     `json:"missingValues"`
}

// Field is one column of a Table Schema.
type Field struct {
	Name         string                       `json:"name"`
	Type         string                       `json:"type"`
	Format       string                       `json:"format,omitempty"`
	Title        string                       `json:"title"`
	Description  string                       `json:"description"`
	Titles       map[string]string            `json:"titles,omitempty"`
	Descriptions map[string]string            `json:"descriptions,omitempty"`
	Constraints  *Constraints                 `json:"constraints,omitempty"`
	Labels       map[string]map[string]string `json:"labels,omitempty"`
}

// Constraints limit a field's values.
type Constraints struct {
	Required bool     `json:"required,omitempty"`
	Unique   bool     `json:"unique,omitempty"`
	Enum     []any    `json:"enum,omitempty"`
	Minimum  *float64 `json:"minimum,omitempty"`
	Maximum  *float64 `json:"maximum,omitempty"`
}

// ForeignKey links a field to a field of another resource ("" for the
// same one).
type ForeignKey struct {
	Fields    string    `json:"fields"`
	Reference Reference `json:"reference"`
}

// Reference is the other end of a foreign key.
type Reference struct {
	Resource string `json:"resource"`
	Fields   string `json:"fields"`
}
