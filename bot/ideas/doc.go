// Package ideas holds the pure algorithms behind citizens' ideas: finding
// similar ideas before one is saved (Index), screening an idea for personal
// data and abuse before a coordinator approves it (Screen, Anonymise),
// ranking ideas by their votes (Wilson, MostAgreed, MostDivisive) and
// choosing the next idea a citizen is asked to weigh (Picker).
//
// Nothing here does I/O or knows the store: callers pass texts, counts and
// candidates in, and get plain values back.
package ideas
