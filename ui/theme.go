package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// variantTheme is Fyne's theme held to one variant (light or dark)
// whatever the system prefers; everything else is the embedded theme's.
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

// Color returns the embedded theme's colour for the held variant.
func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.variant)
}

// themeFor is the theme for a Settings choice: ThemeLight, ThemeDark, or
// the system's (anything else).
func themeFor(choice string) fyne.Theme {
	switch choice {
	case ThemeLight:
		return variantTheme{Theme: theme.DefaultTheme(), variant: theme.VariantLight}
	case ThemeDark:
		return variantTheme{Theme: theme.DefaultTheme(), variant: theme.VariantDark}
	}
	return theme.DefaultTheme()
}

// applyTheme makes a use the theme of a Settings choice.
func applyTheme(a fyne.App, choice string) {
	a.Settings().SetTheme(themeFor(choice))
}
