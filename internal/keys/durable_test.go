package keys

import (
	"testing"

	"github.com/tier-cli/tier/internal/store"
)

// Key metadata (host pins) and the plaintext key file must survive a power
// cut: the store fsyncs only the files it is told are durable.
func TestKeyFilesAreDurable(t *testing.T) {
	for _, name := range []string{metaFileName, insecureName} {
		if !store.Durable[name] {
			t.Errorf("store.Durable lacks %q", name)
		}
	}
}
