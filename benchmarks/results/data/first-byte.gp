set terminal pngcairo size 900,480 font "sans,10"
set output '../first-byte.png'
set datafile missing '?'
set datafile separator '\t'
set key top left
set grid ytics
set ylabel 'milliseconds (median)'
set yrange [0:*]
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
plot 'first-byte.dat' using 2:xtic(1) title columnheader(2)
