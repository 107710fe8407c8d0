package keys

import "fmt"

// VerifyError is a key check that did not succeed, What naming the key:
// refused, or not checked (unreachable, a 429, a 402, another answer that
// says nothing about the key).
type VerifyError struct {
	What   string
	Result VerifyResult
}

func (e *VerifyError) Error() string {
	if e.Result.Status == VerifyRefused {
		return fmt.Sprintf("%s: %s", e.What, e.Result.Message)
	}
	return fmt.Sprintf("%s could not be checked: %s", e.What, e.Result.Message)
}

// Err is v as the error of checking what: nil when the key was accepted.
func (v VerifyResult) Err(what string) error {
	if v.Status == VerifyOK {
		return nil
	}
	return &VerifyError{What: what, Result: v}
}
