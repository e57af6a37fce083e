"""Information pages (seed 004 §4.6 «Информация»): the user agreement (versioned), help for each
section of the site, contacts — Markdown edited by staff, served as sanitised HTML."""
