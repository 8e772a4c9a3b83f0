// Package safeguard spots messages from citizens who may be in crisis:
// thinking about suicide or self-harm, abused at home, or in danger now. It
// also spots plain requests for help.
//
// The words it looks for live in reviewable lexicon files, one per language
// (lexicon/<lang>.yaml, embedded), written in a small pattern language
// (docs/safeguarding.md; CheckPattern validates one). Both the text and the
// patterns are normalised the same way (see normalize), so case, stretched
// letters, punctuation, emoji and, where a language allows, missing accents
// do not matter.
//
// Detect is called on every message, so everything is compiled up front:
// each pattern is indexed by its rarest required word, and only patterns
// whose word occurs in the message are tried, only near that word.
//
// The package is pure: it does no I/O beyond reading the files it is given
// and imports nothing else of this project.
package safeguard
