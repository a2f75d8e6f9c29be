"""The worked example behind `calloff demo`, on fictional providers."""
