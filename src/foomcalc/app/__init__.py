"""The local web app (`foomcalc app`, Shiny on 127.0.0.1): page, URL state, jobs."""
