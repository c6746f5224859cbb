set terminal pngcairo size 900,480 font "sans,10"
set output '../concurrency-wall.png'
set datafile missing '?'
set datafile separator '\t'
set key top left
set grid ytics
set ylabel 'seconds until the last client finished'
set logscale y
set yrange [0.5:*]
set xlabel 'concurrent clients'
set logscale x 2
plot 'concurrency-wall.dat' using 1:2 with linespoints lw 2 pt 7 title columnheader(2), 'concurrency-wall.dat' using 1:3 with linespoints lw 2 pt 7 title columnheader(3), 'concurrency-wall.dat' using 1:4 with linespoints lw 2 pt 7 title columnheader(4)
