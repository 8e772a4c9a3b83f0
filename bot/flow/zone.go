package flow

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

//go:generate go run gen_zones.go

// checkZone reads a pilot's timezone. It returns the zone, or a message that
// says what is wrong and names the zone the pilot most likely meant.
func checkZone(name string) (*time.Location, string) {
	if name == "" {
		return nil, "" // an empty value is reported where it is read
	}
	// Capitals matter in zone names, but whether a wrong one loads depends
	// on the machine's file system: check them here, the same everywhere.
	if z := zoneFold(name); z != "" && z != name {
		return nil, fmt.Sprintf("timezone %q needs capitals: write %s", name, z)
	}
	loc, err := time.LoadLocation(name)
	switch {
	case err == nil && (name == "UTC" || strings.Contains(name, "/")):
		return loc, ""
	case err == nil && name != "Local" && strings.ToUpper(name) == name:
		return nil, fmt.Sprintf("timezone %q is an abbreviation; use the region and city of the pilot, like %s, so that summer time is right", name, abbreviationZone(name))
	case name == "Local":
		return nil, "timezone Local would be the server's zone, which may be anywhere; use the region and city of the pilot, like Europe/Helsinki"
	case err == nil:
		return nil, fmt.Sprintf("timezone %q is an old name; use the region and city of the pilot, like Europe/Helsinki", name)
	}
	return nil, unknownZone(name)
}

// zones returns the IANA time zones named after a place.
func zones() []string { return strings.Fields(zoneList) }

// zoneFold returns the zone whose name is name in other capitals, or "".
func zoneFold(name string) string {
	for _, z := range zones() {
		if strings.EqualFold(z, name) {
			return z
		}
	}
	return ""
}

// abbreviationZone suggests zones for a time zone abbreviation.
func abbreviationZone(abbr string) string {
	switch strings.ToUpper(abbr) {
	case "CET", "CEST", "MET", "MEST":
		return "Europe/Paris, Europe/Rome or Europe/Warsaw"
	case "EET", "EEST":
		return "Europe/Helsinki or Europe/Tallinn"
	case "WET", "WEST":
		return "Europe/Lisbon"
	case "GMT", "BST", "UCT", "UNIVERSAL", "ZULU", "GREENWICH":
		return "Europe/London"
	}
	return "Europe/Helsinki"
}

// offsetLike matches a zone written as an offset: UTC+2, GMT-1, +02:00.
var offsetLike = regexp.MustCompile(`(?i)^\s*(UTC|GMT|Z)?\s*[+-]\s*\d`)

// ownNames are zone cities as their people write them.
var ownNames = map[string]string{
	"lisboa": "Europe/Lisbon", "wien": "Europe/Vienna", "praha": "Europe/Prague", "roma": "Europe/Rome",
	"warszawa": "Europe/Warsaw", "københavn": "Europe/Copenhagen", "kobenhavn": "Europe/Copenhagen",
	"bruxelles": "Europe/Brussels", "brussel": "Europe/Brussels", "helsingfors": "Europe/Helsinki",
	"bucurești": "Europe/Bucharest", "bucuresti": "Europe/Bucharest", "athina": "Europe/Athens",
	"beograd": "Europe/Belgrade", "zürich": "Europe/Zurich", "münchen": "Europe/Berlin",
}

// places are the pilots' towns and countries, and other big towns near them,
// that are not zone names themselves: a zone is named after one city of its
// region.
var places = map[string]string{
	"turku": "Europe/Helsinki", "espoo": "Europe/Helsinki", "tampere": "Europe/Helsinki",
	"hull": "Europe/London", "kingston_upon_hull": "Europe/London", "manchester": "Europe/London",
	"edinburgh": "Europe/London", "cardiff": "Europe/London",
	"houten": "Europe/Amsterdam", "nieuwegein": "Europe/Amsterdam", "utrecht": "Europe/Amsterdam",
	"rotterdam": "Europe/Amsterdam", "den_haag": "Europe/Amsterdam",
	"jonkoping": "Europe/Stockholm", "jönköping": "Europe/Stockholm", "göteborg": "Europe/Stockholm",
	"goteborg": "Europe/Stockholm", "malmö": "Europe/Stockholm", "malmo": "Europe/Stockholm",
	"reggio_emilia": "Europe/Rome", "milano": "Europe/Rome", "milan": "Europe/Rome", "napoli": "Europe/Rome",
	"valencia": "Europe/Madrid", "barcelona": "Europe/Madrid", "sevilla": "Europe/Madrid",
	"wroclaw": "Europe/Warsaw", "wrocław": "Europe/Warsaw", "krakow": "Europe/Warsaw", "kraków": "Europe/Warsaw",
	"voru": "Europe/Tallinn", "võru": "Europe/Tallinn", "tartu": "Europe/Tallinn",
	"szeged": "Europe/Budapest", "debrecen": "Europe/Budapest",
	"geneva": "Europe/Zurich", "genève": "Europe/Zurich", "munich": "Europe/Berlin",
	"hamburg": "Europe/Berlin", "frankfurt": "Europe/Berlin",
	// the pilots' countries
	"finland": "Europe/Helsinki", "suomi": "Europe/Helsinki", "sweden": "Europe/Stockholm",
	"sverige": "Europe/Stockholm", "netherlands": "Europe/Amsterdam", "nederland": "Europe/Amsterdam",
	"italy": "Europe/Rome", "italia": "Europe/Rome", "spain": "Europe/Madrid", "españa": "Europe/Madrid",
	"espana": "Europe/Madrid", "poland": "Europe/Warsaw", "polska": "Europe/Warsaw", "estonia": "Europe/Tallinn",
	"eesti": "Europe/Tallinn", "hungary": "Europe/Budapest", "magyarország": "Europe/Budapest",
	"uk": "Europe/London", "united_kingdom": "Europe/London", "england": "Europe/London",
}

// unknownZone explains a timezone that is not a zone name, suggesting the
// zone named most like it.
func unknownZone(name string) string {
	const how = "use the region and city of the pilot, like Europe/Helsinki (the IANA time zone names)"
	if offsetLike.MatchString(name) {
		return fmt.Sprintf("timezone %q is a fixed offset, which does not follow summer time; %s", name, how)
	}
	key := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), " ", "_"))
	city := key[strings.LastIndexByte(key, '/')+1:]
	if z, ok := places[city]; ok {
		return fmt.Sprintf("unknown timezone %q; a zone is named after one big city of its region, so for %s write %s",
			name, strings.TrimSpace(name[strings.LastIndexByte(name, '/')+1:]), z)
	}
	if z, ok := ownNames[city]; ok {
		return fmt.Sprintf("unknown timezone %q; did you mean %s?", name, z)
	}
	if z := similarZone(key, city); z != "" {
		return fmt.Sprintf("unknown timezone %q; did you mean %s?", name, z)
	}
	return fmt.Sprintf("unknown timezone %q; %s", name, how)
}

// similarZone finds the zone whose name, or city, is closest to key, or city,
// when it is close enough to be a typo.
func similarZone(key, city string) string {
	best, bestDist := "", 1<<30
	for _, z := range zones() {
		lz := strings.ToLower(z)
		d := editDistance(key, lz)
		if zc := lz[strings.LastIndexByte(lz, '/')+1:]; !strings.Contains(key, "/") || d > 2 {
			// "Helsinki", or the right city in the wrong region.
			d = min(d, editDistance(city, zc))
		}
		if d < bestDist {
			best, bestDist = z, d
		}
	}
	limit := 2
	if len(city) <= 4 {
		limit = 1
	}
	if bestDist <= limit {
		return best
	}
	return ""
}
