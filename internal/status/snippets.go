package status

import (
	"slices"
	"strings"
)

// snippets are what 'tier status --install NAME' prints: the lines to add to
// each tool's configuration. The README's "See it everywhere" shows the same
// text, and tests run each one.
var snippets = map[string]string{
	"tmux": `# ~/.tmux.conf: tier's status line on the right of tmux's status bar, every 5 seconds
set -g status-interval 5
set -g status-right-length 120
set -g status-right '#(tier status) %H:%M'
`,
	"starship": `# ~/.config/starship.toml: a custom module with tier's status line
[custom.tier]
command = "tier status"
when = "command -v tier"
shell = ["sh"]
format = "[$output]($style) "
style = "dimmed"
`,
	"bash": `# ~/.bashrc: tier's status line before the prompt (empty when nothing is known)
__tier_status() { local s; s=$(tier status 2>/dev/null) && [ -n "$s" ] && printf '%s ' "$s"; }
PS1='$(__tier_status)'"$PS1"
`,
	"zsh": `# ~/.zshrc: tier's status line before the prompt (empty when nothing is known)
setopt prompt_subst
__tier_status() { local s; s=$(tier status 2>/dev/null) && [ -n "$s" ] && printf '%s ' "${s//\%/%%}"; }
PROMPT='$(__tier_status)'"$PROMPT"
`,
	"vim": `" ~/.vimrc (or init.vim): tier's status line in the status line, refreshed every 5 seconds
let g:tier_status = ''
function! TierStatus(...) abort
  let g:tier_status = trim(system('tier status'))
endfunction
call TierStatus()
if has('timers') | call timer_start(5000, 'TierStatus', {'repeat': -1}) | endif
set laststatus=2
set statusline=%f\ %m%=%{g:tier_status}\ 
`,
}

// Snippet returns the configuration snippet for tool and whether there is
// one.
func Snippet(tool string) (string, bool) {
	s, ok := snippets[tool]
	return s, ok
}

// Tools lists the tools Snippet knows, sorted.
func Tools() []string {
	names := make([]string, 0, len(snippets))
	for n := range snippets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ToolList is Tools joined for messages: "bash, starship, tmux, vim, zsh".
func ToolList() string { return strings.Join(Tools(), ", ") }
