package cli

import (
	"hpp/internal/profile"
	"hpp/internal/pstats"
)

// loadProfiles reads every named file and merges them as pstats.add does.
func loadProfiles(paths []string) (*profile.Profile, error) {
	if len(paths) == 0 {
		return nil, Usagef("no profile file named")
	}
	ps := make([]*profile.Profile, 0, len(paths))
	for _, path := range paths {
		p, err := pstats.ReadFile(path)
		if err != nil {
			return nil, inputError(path, err)
		}
		ps = append(ps, p)
	}
	return profile.Merge(ps...), nil
}
