module github.com/cnnscope/cnnscope

go 1.26
