package docgen

// The generator runs here rather than at the repository root so that
// `go generate ./...` reaches it after internal/catalog (packages run in
// import path order); it reads providers.yaml itself in any case.
//
//go:generate go run ./gendocs -root ../..
