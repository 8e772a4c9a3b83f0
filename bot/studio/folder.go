package studio

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cosie/cosiebot/flows"
)

// historyDir is the folder, inside the flows folder, where each saved
// file's previous version is kept.
const historyDir = ".history"

// folder is the flow files the studio shows: a folder on disk, or the
// shipped flows (read only).
type folder struct {
	dir  string // "" for the shipped flows
	fsys fs.FS
}

// errReadOnly says why a shipped flow cannot be saved.
var errReadOnly = errors.New("these are the flows built into cosiebot and cannot be changed here; start the studio with --flows DIR (a copy of the flows folder) to edit")

// errNoFile is a file name that is not a flow file of the folder.
var errNoFile = errors.New("no such flow file")

// names lists the flow files, sorted.
func (fo folder) names() ([]string, error) {
	entries, err := fs.ReadDir(fo.fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read the flow folder: %w", err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && flows.IsFlow(e.Name()) && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// validName reports whether name is a file at the top of the folder
// (never a path that leaves it).
func validName(name string) bool {
	return name != "" && name == path.Base(name) && !strings.HasPrefix(name, ".") && !strings.ContainsAny(name, `/\`)
}

// read returns a flow file's text.
func (fo folder) read(name string) ([]byte, error) {
	if !validName(name) || !flows.IsFlow(name) {
		return nil, errNoFile
	}
	data, err := fs.ReadFile(fo.fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoFile
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return data, nil
}

// readScenario returns the scenario file next to a flow file, or nil.
func (fo folder) readScenario(name string) (string, []byte, error) {
	test := strings.TrimSuffix(strings.TrimSuffix(name, ".yaml"), ".yml") + ".test.yaml"
	data, err := fs.ReadFile(fo.fsys, test)
	if errors.Is(err, fs.ErrNotExist) {
		return test, nil, nil
	}
	if err != nil {
		return test, nil, fmt.Errorf("read %s: %w", test, err)
	}
	return test, data, nil
}

// save writes a flow file atomically (a temporary file renamed over it,
// so a running bot never reads half a file) and keeps the previous
// version as .history/<name>.<time>.
func (fo folder) save(name string, data []byte, now time.Time) error {
	if fo.dir == "" {
		return errReadOnly
	}
	if !validName(name) || !flows.IsFlow(name) {
		return errNoFile
	}
	target := filepath.Join(fo.dir, name)
	if old, err := os.ReadFile(target); err == nil {
		if err := os.MkdirAll(filepath.Join(fo.dir, historyDir), 0o755); err != nil {
			return fmt.Errorf("keep the previous version: %w", err)
		}
		keep := filepath.Join(fo.dir, historyDir, name+"."+now.UTC().Format("20060102T150405.000Z"))
		if err := os.WriteFile(keep, old, 0o644); err != nil {
			return fmt.Errorf("keep the previous version: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read %s: %w", name, err)
	}
	tmp, err := os.CreateTemp(fo.dir, "."+name+".*.tmp")
	if err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("save %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	return nil
}

// version names a file's content, so a save can tell whether the file
// changed on disk since the page read it.
func version(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// header is what access control needs from a flow file, read even when
// the rest of the file has errors.
type header struct {
	Pilot struct {
		ID           string  `yaml:"id"`
		Coordinators []int64 `yaml:"coordinators"`
	} `yaml:"pilot"`
}

// readHeader reads the pilot id and coordinators of a flow file's text.
func readHeader(data []byte) header {
	var h header
	_ = yaml.Unmarshal(data, &h) // a broken file has no header: nobody but a local user sees it
	return h
}
